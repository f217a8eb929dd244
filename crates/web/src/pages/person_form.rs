//! A person's details as the forms take them: the fields of the new-source form and of a
//! mass organisation's nomination (templates/person_fields.html), and the JSON API's
//! nomination body, all read and checked by `details_from`, so every way in judges a
//! person the same way.

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::citizen_id::{CitizenId, Sex};
use ketnap_domain::ethnicity::{self, EthnicityId};
use ketnap_domain::person::{BirthDate, Education, PersonDetails};
use ketnap_domain::text::PersonName;
use serde::Deserialize;

use crate::pages::sources::{Choice, FieldErrors};

/// The person's inputs; every field text, so any input can be shown back as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonFields {
    pub family_name: String,
    pub middle_name: String,
    pub given_name: String,
    pub birth_date: String,
    pub sex: String,
    pub citizen_id: String,
    pub ethnicity: String,
    pub religion: String,
    pub education_general: String,
    pub education_professional: String,
    pub education_political: String,
    pub occupation: String,
    pub workplace: String,
    pub residence: String,
    /// `1` when ticked.
    pub youth_union: String,
    pub trade_union: String,
    pub phone: String,
}

/// The input a violation of the person's details belongs beside; `None` for a field that
/// is not the person's.
pub fn person_anchor(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" | "person" => "name",
        "birth_date" => "birth_date",
        "sex" => "sex",
        "citizen_id" => "citizen_id",
        "ethnicity" => "ethnicity",
        "phone" => "phone",
        _ => return None,
    })
}

fn anchor(field: &str) -> &'static str {
    person_anchor(field).unwrap_or("form")
}

pub fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

pub fn parse_sex(code: &str) -> Option<Sex> {
    match code.trim() {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => None,
    }
}

/// The select options and attributes the person's fields need to be drawn.
#[derive(Debug, Clone)]
pub struct PersonChoices {
    pub sexes: Vec<Choice>,
    pub ethnicities: Vec<Choice>,
    /// Extra attributes of the family and given name inputs (marked when the name is refused).
    pub name_attrs: String,
}

impl PersonChoices {
    pub fn new(fields: &PersonFields, errors: &FieldErrors) -> PersonChoices {
        PersonChoices {
            sexes: [Sex::Male, Sex::Female]
                .into_iter()
                .map(|s| Choice::new(sex_code(s), s.label_vi(), &fields.sex))
                .collect(),
            ethnicities: ethnicity::all()
                .iter()
                .map(|e| Choice::new(e.id.0, e.name, &fields.ethnicity))
                .collect(),
            name_attrs: if errors.has("name") {
                r#"autocomplete="off" required aria-invalid="true" aria-describedby="name-error""#
            } else {
                r#"autocomplete="off" required"#
            }
            .to_string(),
        }
    }
}

/// The person's details from the form, or the violations found on the way. Independent
/// fields are all checked, so the officer sees every mistake at once.
pub fn details_from(
    form: &PersonFields,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<PersonDetails> {
    let birth = if form.birth_date.trim().is_empty() {
        errors.push(
            Violation::new(
                "input.required",
                "birth_date",
                "Phải ghi ngày sinh (ví dụ 15/03/2004) hoặc năm sinh.",
            ),
            "birth_date",
        );
        None
    } else {
        match BirthDate::parse(&form.birth_date) {
            Ok(birth) => Some(birth),
            Err(v) => {
                errors.push(v, "birth_date");
                None
            }
        }
    };
    let sex = parse_sex(&form.sex);
    if sex.is_none() {
        errors.push(
            Violation::new("input.required", "sex", "Phải chọn giới tính."),
            "sex",
        );
    }
    let citizen_id = if form.citizen_id.trim().is_empty() {
        Some(None)
    } else {
        match CitizenId::parse(&form.citizen_id) {
            Ok(id) => Some(Some(id)),
            Err(v) => {
                errors.push(v, "citizen_id");
                None
            }
        }
    };
    let ethnicity = form
        .ethnicity
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(|id| ethnicity::by_id(EthnicityId(id)))
        .map(|e| e.id);
    if ethnicity.is_none() {
        errors.push(
            Violation::new("input.required", "ethnicity", "Phải chọn dân tộc."),
            "ethnicity",
        );
    }
    let name = PersonName {
        family: form.family_name.clone(),
        middle: form.middle_name.clone(),
        given: form.given_name.clone(),
    };
    let details = PersonDetails {
        name,
        birth: birth.unwrap_or(BirthDate::YearOnly(2000)),
        sex: sex.unwrap_or(Sex::Male),
        citizen_id: citizen_id.clone().flatten(),
        ethnicity: ethnicity.unwrap_or(EthnicityId(1)),
        religion: form.religion.clone(),
        education: Education {
            general: form.education_general.clone(),
            professional: form.education_professional.clone(),
            political_theory: form.education_political.clone(),
        },
        occupation: form.occupation.clone(),
        workplace: form.workplace.clone(),
        residence: form.residence.clone(),
        youth_union_member: form.youth_union == "1",
        trade_union_member: form.trade_union == "1",
        phone: form.phone.clone(),
        email: String::new(),
    };
    let complete = birth.is_some() && sex.is_some() && citizen_id.is_some();
    match details.clone().checked(today) {
        Ok((checked, _notices)) => complete.then_some(checked),
        Err(v) => {
            let name_missing = v.field == "name";
            // A placeholder value stands in for what did not parse: judge only what was typed.
            if complete || name_missing {
                let field = v.field.clone();
                errors.push(v, anchor(&field));
            }
            if name_missing {
                // The name is reported; check the rest too, so nothing is found one by one.
                let mut probe = details;
                probe.name = PersonName::new("A", "", "A");
                if let (Err(v), true) = (probe.checked(today), complete) {
                    let field = v.field.clone();
                    errors.push(v, anchor(&field));
                }
            }
            None
        }
    }
}
