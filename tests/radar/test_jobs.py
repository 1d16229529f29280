"""The worker's radar jobs: term statistics kept current, models retrained nightly."""

from __future__ import annotations

from sqlalchemy import select

from app.config import Settings
from app.models import TermStatistics, UserModel
from app.radar.model_store import update_model
from app.scheduler import (
    MODEL_RETRAIN_CRON,
    build_scheduler,
    refresh_text_model,
    retrain_models,
)
from app.services import Services
from tests.radar.papers import by_archive, store_days
from tests.radar.people import NOW, add_user, save


def test_the_jobs_build_statistics_and_retrain_every_model(db_url, seeder, tmp_path):
    quantum = by_archive("quant-ph", 12)
    ids = store_days(seeder, quantum[:6], quantum[6:])
    services = Services(Settings(database_url=db_url, data_dir=tmp_path))
    try:
        sessions = services.sessions
        first, second = add_user(sessions), add_user(sessions, "bob@example.org")
        save(sessions, first, *list(ids.values())[:3])
        save(sessions, second, list(ids.values())[5])
        refresh_text_model(services)
        with sessions() as session:
            built = session.scalars(select(TermStatistics.id)).all()
        assert len(built) == 1
        refresh_text_model(services)  # nothing new: the build stays
        with sessions() as session:
            assert session.scalars(select(TermStatistics.id)).all() == built
        with sessions() as session:
            assert session.scalars(select(UserModel.user_id)).all() == []
        retrain_models(services)  # only people with a model are retrained
        with sessions() as session:
            update_model(session, first, now=NOW)
            update_model(session, second, now=NOW)
            session.commit()
        retrain_models(services)
        with sessions() as session:
            rows = {row.user_id: row for row in session.scalars(select(UserModel))}
        assert {rows[first].positives, rows[second].positives} == {3, 1}
        assert all(row.updated_at > NOW for row in rows.values())  # retrained by the job
        scheduler = build_scheduler(services)
        assert scheduler.get_job("term-statistics") is not None
        assert "hour='3', minute='30'" in str(scheduler.get_job("retrain-models").trigger)
        assert MODEL_RETRAIN_CRON == "30 3 * * *"
    finally:
        services.close()
