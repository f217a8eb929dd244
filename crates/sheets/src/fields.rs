//! Columns that party-membership lists commonly have, with the names offices give them.
//! All are optional; an importer marks what it needs with [`Field::required`]. Headers are
//! compared without diacritics, so "ĐT" (điện thoại) and "DT" (dân tộc) would collide and
//! neither is listed.
//!
//! ```ignore
//! let fields = [fields::FULL_NAME.required(), fields::BIRTH_DATE.required(), fields::CITIZEN_ID];
//! ```

use crate::Field;

pub const FULL_NAME: Field = Field::new(
    "full_name",
    "Họ và tên",
    &[
        "Họ tên",
        "Họ và tên khai sinh",
        "Họ tên khai sinh",
        "Họ và tên đệm và tên",
        "Tên quần chúng",
        "Họ và tên quần chúng",
        "Họ và tên đảng viên",
        "HVT",
    ],
);

pub const FAMILY_NAME: Field = Field::new("family_name", "Họ", &["Họ đệm"]);

pub const MIDDLE_NAME: Field = Field::new("middle_name", "Tên đệm", &["Chữ lót", "Đệm"]);

pub const GIVEN_NAME: Field = Field::new("given_name", "Tên", &["Tên gọi"]);

pub const BIRTH_DATE: Field = Field::new(
    "birth_date",
    "Ngày sinh",
    &[
        "Ngày tháng năm sinh",
        "Ngày, tháng, năm sinh",
        "Ngày/tháng/năm sinh",
        "Sinh ngày",
        "Năm sinh",
        "NS",
        "NTNS",
        "Ngày sinh (dd/mm/yyyy)",
    ],
);

pub const SEX: Field = Field::new("sex", "Giới tính", &["Nam/Nữ", "Nam, nữ", "GT", "Phái"]);

pub const CITIZEN_ID: Field = Field::new(
    "citizen_id",
    "Số CCCD",
    &[
        "CCCD",
        "Số căn cước",
        "Số căn cước công dân",
        "Căn cước công dân",
        "Số định danh",
        "Số định danh cá nhân",
        "Mã định danh",
        "CMND",
        "Số CMND",
        "Số CMND/CCCD",
        "Số CCCD/CMND",
        "CMND/CCCD",
        "CCCD/CMND",
    ],
);

pub const ETHNICITY: Field = Field::new("ethnicity", "Dân tộc", &["Dân tộc (ghi cụ thể)"]);

pub const RELIGION: Field = Field::new("religion", "Tôn giáo", &["TG"]);

pub const HOMETOWN: Field = Field::new("hometown", "Quê quán", &["Nguyên quán", "QQ"]);

pub const ADDRESS: Field = Field::new(
    "address",
    "Nơi ở hiện nay",
    &[
        "Địa chỉ",
        "Chỗ ở hiện nay",
        "Nơi cư trú",
        "Địa chỉ thường trú",
        "Thường trú",
    ],
);

pub const PHONE: Field = Field::new(
    "phone",
    "Số điện thoại",
    &[
        "Điện thoại",
        "SĐT",
        "Số ĐT",
        "Điện thoại di động",
        "Di động",
    ],
);

pub const CELL: Field = Field::new("cell", "Chi bộ", &["Tên chi bộ", "Sinh hoạt tại chi bộ"]);

pub const NOTE: Field = Field::new("note", "Ghi chú", &["GC"]);
