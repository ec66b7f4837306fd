"""Title rules (issue 12c)."""

from __future__ import annotations

import pytest

from crawler.extraction.titles import strip_site


@pytest.mark.parametrize("title, names, expected", [
    ("宮崎県で震度5弱、津波注意報　気象庁：朝日新聞デジタル", ["朝日新聞デジタル"],
     "宮崎県で震度5弱、津波注意報　気象庁"),
    ("国务院常务会议研究部署经济工作_新闻频道_央视网", ["央视网"], "国务院常务会议研究部署经济工作"),
    ("국회 본회의에서 예산안이 통과됐다는 소식입니다 < 정치 < 기사본문 - 매일신문", ["매일신문"],
     "국회 본회의에서 예산안이 통과됐다는 소식입니다"),
    ("首相が記者会見で新たな経済対策を発表 ― 毎日新聞", ["毎日新聞"], "首相が記者会見で新たな経済対策を発表"),
    # a split alone changes nothing: only a part naming the site goes
    ("Ein Blick auf die Zahlen < Teil 2", ["Beispielzeitung"], "Ein Blick auf die Zahlen < Teil 2"),
    ("snake_case_names in Python", ["Example"], "snake_case_names in Python"),
])
def test_strip_site_knows_east_asian_separators(title: str, names: list[str],
                                                expected: str) -> None:
    assert strip_site(title, names) == expected
