"""`flask ess kb import DIR`: new, changed, unchanged and bad files; the shipped starter content."""
import pytest
from pathlib import Path

from sqlalchemy import func, select

from ess.db import db
from ess.knowledge.models import Article, Revision

pytestmark = pytest.mark.demo_articles

PROJECT = Path(__file__).resolve().parent.parent

GOOD = """---
title: 테스트 안내
slug: test-guide
space: it
category: 테스트
lang: ko
tags: [테스트, 안내]
summary: 요약
owner: E1031
review_by: 2027-01-31
---
## 첫 단락

본문입니다.
"""


def run_import(app, *dirs):
    return app.test_cli_runner().invoke(args=["ess", "kb", "import", *[str(d) for d in dirs]])


def revisions(app, slug):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Revision).join(Article).where(Article.slug == slug))


def test_new_changed_and_unchanged_files(app, demo, tmp_path):
    (tmp_path / "guide.md").write_text(GOOD, encoding="utf-8")
    result = run_import(app, tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("1 created, 0 updated, 0 unchanged, 0 refused")
    assert revisions(app, "test-guide") == 1

    result = run_import(app, tmp_path)
    assert result.output.strip().endswith("0 created, 0 updated, 1 unchanged, 0 refused")
    assert revisions(app, "test-guide") == 1

    (tmp_path / "guide.md").write_text(GOOD.replace("본문입니다.", "바뀐 본문입니다."), encoding="utf-8")
    result = run_import(app, tmp_path)
    assert result.output.strip().endswith("0 created, 1 updated, 0 unchanged, 0 refused")
    assert revisions(app, "test-guide") == 2
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "test-guide"))
        assert article.status.value == "published" and article.published_revision_number == 2
        assert article.owner.employee_no == "E1031" and article.category.name == "테스트"
        assert [t.name for t in article.tags] == ["안내", "테스트"]


def test_bad_files_are_named_with_the_reason_and_the_rest_is_imported(app, demo, tmp_path):
    (tmp_path / "a-good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "no-front-matter.md").write_text("# 제목만\n", encoding="utf-8")
    (tmp_path / "bad-space.md").write_text(GOOD.replace("space: it", "space: sales").replace(
        "test-guide", "other"), encoding="utf-8")
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: [열림\n---\n본문\n", encoding="utf-8")
    (tmp_path / "bad-owner.md").write_text(GOOD.replace("E1031", "E9999").replace("test-guide", "third"),
                                           encoding="utf-8")
    (tmp_path / "missing-title.md").write_text(GOOD.replace("title: 테스트 안내\n", ""), encoding="utf-8")
    result = run_import(app, tmp_path)
    assert result.exit_code == 1
    assert "1 created, 0 updated, 0 unchanged, 5 refused" in result.output
    assert "no-front-matter.md: no YAML front matter" in result.output
    assert "bad-space.md: space must be hr or it, not 'sales'" in result.output
    assert "bad-yaml.md: the front matter is not valid YAML" in result.output
    assert "bad-owner.md: owner: " in result.output and "E9999" in result.output
    assert "missing-title.md: title is missing" in result.output
    assert revisions(app, "test-guide") == 1


def test_translation_links_to_its_original(app, demo, tmp_path):
    (tmp_path / "guide.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "guide.en.md").write_text(GOOD.replace("slug: test-guide", "slug: test-guide-en\ntranslation_of: test-guide")
                                          .replace("lang: ko", "lang: en").replace("테스트 안내", "Test guide"),
                                          encoding="utf-8")
    assert "2 created" in run_import(app, tmp_path).output
    with app.app_context():
        english = db.session.scalar(select(Article).where(Article.slug == "test-guide-en"))
        assert english.translation_of.slug == "test-guide"


def test_the_starter_content_is_imported_by_the_demo(app, demo):
    with app.app_context():
        articles = list(db.session.scalars(select(Article)))
    korean = [a for a in articles if a.lang == "ko"]
    assert len(korean) >= 15 and len([a for a in articles if a.translation_of_id]) >= 5
    assert {a.space for a in articles} == {"hr", "it"}
    assert all(a.status.value == "published" for a in articles)
    assert {a.slug for a in articles if a.requires_ack} >= {"code-of-conduct", "privacy-security"}
    # The demo is idempotent: running the import again changes nothing.
    result = run_import(app, PROJECT / "policies/handbook", PROJECT / "policies/it")
    assert result.output.strip().endswith(f"0 created, 0 updated, {len(articles)} unchanged, 0 refused")


def test_a_major_file_change_asks_for_acknowledgement_again(app, demo, tmp_path):
    policy = GOOD.replace("space: it", "space: hr").replace("owner: E1031", "owner: E1011") + ""
    policy = policy.replace("summary: 요약", "summary: 요약\nrequires_ack: true")
    (tmp_path / "policy.md").write_text(policy, encoding="utf-8")
    run_import(app, tmp_path)
    with app.app_context():
        assert db.session.scalar(select(Article.ack_version).where(Article.slug == "test-guide")) == 1
    (tmp_path / "policy.md").write_text(policy.replace("본문입니다.", "오타 수정."), encoding="utf-8")
    run_import(app, tmp_path)
    with app.app_context():
        assert db.session.scalar(select(Article.ack_version).where(Article.slug == "test-guide")) == 1
    (tmp_path / "policy.md").write_text(policy.replace("requires_ack: true", "requires_ack: true\nmajor: true")
                                        .replace("본문입니다.", "규정이 바뀌었습니다."), encoding="utf-8")
    run_import(app, tmp_path)
    with app.app_context():
        assert db.session.scalar(select(Article.ack_version).where(Article.slug == "test-guide")) == 2
