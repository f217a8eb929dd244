//! Courses recorded once for the whole class.

use ketnap_domain::Violation;
use ketnap_domain::course::{Course, Participant};
use ketnap_domain::ids::CourseId;
use ketnap_domain::ports::{Change, CourseStore, StoreResult};
use ketnap_domain::scope::Scope;
use ketnap_domain::workflow::Transition;

use crate::audit::{self, Audit};
use crate::{Store, backend_error, iso_date};

impl CourseStore for Store {
    async fn record_course(
        &self,
        change: &Change,
        scope: &Scope,
        course: &Course,
        participants: &[Participant],
        certificates: &[(i64, Transition)],
    ) -> StoreResult<CourseId> {
        course.check(participants)?;
        if !scope.can_edit() || !self.in_scope(scope, course.unit).await? {
            return Err(Violation::new(
                "unit.unknown",
                "unit",
                "Không có tổ chức này trong phạm vi của tài khoản.",
            )
            .into());
        }
        for (row, participant) in participants.iter().enumerate() {
            if self
                .person_in_scope(scope, participant.person)
                .await
                .is_err()
            {
                return Err(Violation::new(
                    "course.participant",
                    format!("participants[{}]", row + 1),
                    format!(
                        "Dòng {}: không tìm thấy học viên này trong phạm vi của tài khoản.",
                        row + 1
                    ),
                )
                .into());
            }
        }
        let cases: Vec<_> = certificates.iter().map(|(_, t)| t.case.clone()).collect();
        self.check_transitions(scope, &cases).await?;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO courses (kind, name, organiser, unit_id, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(course.kind.code())
        .bind(ketnap_domain::text::clean(&course.name))
        .bind(ketnap_domain::text::clean(&course.organiser))
        .bind(course.unit.0)
        .bind(iso_date(course.starts_on))
        .bind(iso_date(course.ends_on))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend_error)?;
        for participant in participants {
            sqlx::query("INSERT INTO course_participants (course_id, person_id, result, certificate_number) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(participant.person.0)
                .bind(participant.result.code())
                .bind(ketnap_domain::text::clean(&participant.certificate_number))
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
        }
        for (version, transition) in certificates {
            let mut transition = transition.clone();
            transition.case.relink_course(course.id, CourseId(id));
            crate::cases::write_transition(&mut tx, change, *version, &transition).await?;
        }
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "course.record",
                entity: "course",
                entity_id: id.to_string(),
                before: None,
                after: Some(format!("{} học viên", participants.len())),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(CourseId(id))
    }
}
