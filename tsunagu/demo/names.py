"""Japanese names for demo data: real common names on top, thousands of composed ones below.

Faker ja_JP has about 50 surnames, which makes every search and matching figure misleading (a
2-character surname would match 2% of all customers). This module builds a realistic long tail:

- surnames: ~170 of the most common real surnames with readings, ranked roughly by frequency, then
  several thousand composed from real surname components (山/ヤマ + 田/ダ → 山田) with simple rendaku;
- given names: common real names per gender and birth era, then compositions (健/ケン + 一/イチ);
- Zipf-Mandelbrot weights (w = 1 / (rank + q)^s), so 佐藤 is ~1.5% and the tail is long;
- kanji variants (髙橋, 山﨑, 齋藤, 渡邊 …) at ~1.5% of the surnames that have one.

Everything here is fixed data: the lists do not depend on the demo seed (a private Random with a
constant seed decides composition order and rendaku), so a surname always has the same reading.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

# --- surnames ----------------------------------------------------------------------------------

# The most common real surnames, roughly in frequency order, with their usual reading.
# fmt: off
COMMON_SURNAMES: tuple[tuple[str, str], ...] = (
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("斉藤", "サイトウ"), ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("金子", "カネコ"), ("岡本", "オカモト"), ("藤原", "フジワラ"), ("中野", "ナカノ"), ("三浦", "ミウラ"),
    ("原田", "ハラダ"), ("中川", "ナカガワ"), ("松田", "マツダ"), ("竹内", "タケウチ"), ("小野", "オノ"),
    ("田村", "タムラ"), ("中山", "ナカヤマ"), ("和田", "ワダ"), ("石田", "イシダ"), ("森田", "モリタ"),
    ("上田", "ウエダ"), ("原", "ハラ"), ("内田", "ウチダ"), ("柴田", "シバタ"), ("酒井", "サカイ"),
    ("宮崎", "ミヤザキ"), ("横山", "ヨコヤマ"), ("高木", "タカギ"), ("安藤", "アンドウ"), ("宮本", "ミヤモト"),
    ("大野", "オオノ"), ("小島", "コジマ"), ("谷口", "タニグチ"), ("今井", "イマイ"), ("工藤", "クドウ"),
    ("高田", "タカダ"), ("増田", "マスダ"), ("丸山", "マルヤマ"), ("杉山", "スギヤマ"), ("村田", "ムラタ"),
    ("大塚", "オオツカ"), ("新井", "アライ"), ("小山", "コヤマ"), ("平野", "ヒラノ"), ("藤本", "フジモト"),
    ("河野", "コウノ"), ("上野", "ウエノ"), ("野口", "ノグチ"), ("武田", "タケダ"), ("松井", "マツイ"),
    ("千葉", "チバ"), ("岩崎", "イワサキ"), ("菅原", "スガワラ"), ("木下", "キノシタ"), ("久保", "クボ"),
    ("佐野", "サノ"), ("野村", "ノムラ"), ("松尾", "マツオ"), ("市川", "イチカワ"), ("菊地", "キクチ"),
    ("杉本", "スギモト"), ("古川", "フルカワ"), ("大西", "オオニシ"), ("島田", "シマダ"), ("水野", "ミズノ"),
    ("桜井", "サクライ"), ("高野", "タカノ"), ("渡部", "ワタナベ"), ("吉川", "ヨシカワ"), ("山内", "ヤマウチ"),
    ("西田", "ニシダ"), ("飯田", "イイダ"), ("菊池", "キクチ"), ("西川", "ニシカワ"), ("小松", "コマツ"),
    ("北村", "キタムラ"), ("安田", "ヤスダ"), ("五十嵐", "イガラシ"), ("川口", "カワグチ"), ("平田", "ヒラタ"),
    ("関", "セキ"), ("中田", "ナカタ"), ("久保田", "クボタ"), ("服部", "ハットリ"), ("東", "ヒガシ"),
    ("岩田", "イワタ"), ("土屋", "ツチヤ"), ("川崎", "カワサキ"), ("福島", "フクシマ"), ("本田", "ホンダ"),
    ("辻", "ツジ"), ("樋口", "ヒグチ"), ("秋山", "アキヤマ"), ("田口", "タグチ"), ("永井", "ナガイ"),
    ("山中", "ヤマナカ"), ("中西", "ナカニシ"), ("吉村", "ヨシムラ"), ("川上", "カワカミ"), ("石原", "イシハラ"),
    ("大橋", "オオハシ"), ("松岡", "マツオカ"), ("馬場", "ババ"), ("浜田", "ハマダ"), ("森本", "モリモト"),
    ("星野", "ホシノ"), ("矢野", "ヤノ"), ("浅野", "アサノ"), ("大久保", "オオクボ"), ("松下", "マツシタ"),
    ("吉井", "ヨシイ"), ("小池", "コイケ"), ("野田", "ノダ"), ("荒木", "アラキ"), ("大谷", "オオタニ"),
    ("内藤", "ナイトウ"), ("松浦", "マツウラ"), ("熊谷", "クマガイ"), ("黒田", "クロダ"), ("尾崎", "オザキ"),
    ("永田", "ナガタ"), ("川村", "カワムラ"), ("望月", "モチヅキ"), ("田辺", "タナベ"), ("松村", "マツムラ"),
    ("荒井", "アライ"), ("高山", "タカヤマ"), ("宮田", "ミヤタ"), ("沢田", "サワダ"), ("堀", "ホリ"),
    ("片山", "カタヤマ"), ("宮下", "ミヤシタ"), ("大島", "オオシマ"), ("高島", "タカシマ"), ("岡崎", "オカザキ"),
)
# fmt: on

# Some real surnames are read two ways; the second reading is used this often.
ALTERNATE_READINGS: dict[str, tuple[str, float]] = {
    "山崎": ("ヤマサキ", 0.15),
    "河野": ("カワノ", 0.35),
    "中島": ("ナカシマ", 0.25),
    "東": ("アズマ", 0.3),
    "菅原": ("スガハラ", 0.1),
    "中田": ("ナカダ", 0.3),
    "高田": ("タカタ", 0.2),
    "小島": ("オジマ", 0.1),
}

# Front components of composed surnames: (kanji, reading).
# fmt: off
SURNAME_FRONTS: tuple[tuple[str, str], ...] = (
    ("山", "ヤマ"), ("田", "タ"), ("中", "ナカ"), ("川", "カワ"), ("村", "ムラ"), ("井", "イ"), ("本", "モト"),
    ("野", "ノ"), ("原", "ハラ"), ("島", "シマ"), ("木", "キ"), ("石", "イシ"), ("松", "マツ"), ("小", "コ"),
    ("大", "オオ"), ("上", "ウエ"), ("森", "モリ"), ("岡", "オカ"), ("宮", "ミヤ"), ("沢", "サワ"), ("橋", "ハシ"),
    ("谷", "タニ"), ("藤", "フジ"), ("西", "ニシ"), ("北", "キタ"), ("東", "ヒガシ"), ("平", "ヒラ"), ("福", "フク"),
    ("竹", "タケ"), ("吉", "ヨシ"), ("長", "ナガ"), ("高", "タカ"), ("浜", "ハマ"), ("岩", "イワ"), ("坂", "サカ"),
    ("池", "イケ"), ("内", "ウチ"), ("前", "マエ"), ("新", "ニイ"), ("今", "イマ"), ("古", "フル"), ("三", "ミ"),
    ("桜", "サクラ"), ("梅", "ウメ"), ("杉", "スギ"), ("柴", "シバ"), ("青", "アオ"), ("黒", "クロ"), ("白", "シラ"),
    ("金", "カネ"), ("秋", "アキ"), ("横", "ヨコ"), ("菊", "キク"), ("片", "カタ"), ("赤", "アカ"), ("早", "ハヤ"),
    ("安", "ヤス"), ("永", "ナガ"), ("広", "ヒロ"), ("水", "ミズ"), ("星", "ホシ"), ("飯", "イイ"), ("細", "ホソ"),
    ("深", "フカ"), ("浅", "アサ"), ("牧", "マキ"), ("奥", "オク"), ("南", "ミナミ"), ("下", "シモ"), ("畑", "ハタ"),
    ("丸", "マル"), ("富", "トミ"), ("寺", "テラ"), ("堀", "ホリ"), ("荒", "アラ"), ("芝", "シバ"), ("栗", "クリ"),
    ("柳", "ヤナギ"), ("桑", "クワ"), ("宇", "ウ"), ("加", "カ"), ("成", "ナリ"), ("熊", "クマ"), ("鶴", "ツル"),
    ("亀", "カメ"), ("鳥", "トリ"), ("神", "カミ"), ("根", "ネ"), ("尾", "オ"), ("関", "セキ"),
)
# fmt: on

# Back components: (kanji, plain reading, rendaku reading). The rendaku form is used for about
# two thirds of the compositions where it differs (山田 ヤマダ, 中田 ナカタ both occur).
# fmt: off
SURNAME_BACKS: tuple[tuple[str, str, str], ...] = (
    ("田", "タ", "ダ"), ("川", "カワ", "ガワ"), ("村", "ムラ", "ムラ"), ("井", "イ", "イ"), ("本", "モト", "モト"),
    ("野", "ノ", "ノ"), ("原", "ハラ", "バラ"), ("島", "シマ", "ジマ"), ("木", "キ", "ギ"), ("山", "ヤマ", "ヤマ"),
    ("沢", "サワ", "ザワ"), ("橋", "ハシ", "バシ"), ("谷", "タニ", "ヤ"), ("崎", "サキ", "ザキ"),
    ("藤", "トウ", "ドウ"), ("口", "クチ", "グチ"), ("岡", "オカ", "オカ"), ("部", "ベ", "ベ"),
    ("内", "ウチ", "ウチ"), ("上", "カミ", "ウエ"), ("下", "シタ", "シタ"), ("森", "モリ", "モリ"),
    ("林", "ハヤシ", "バヤシ"), ("浦", "ウラ", "ウラ"), ("尾", "オ", "オ"), ("江", "エ", "エ"),
    ("坂", "サカ", "ザカ"), ("塚", "ツカ", "ヅカ"), ("宮", "ミヤ", "ミヤ"), ("瀬", "セ", "ゼ"),
    ("浜", "ハマ", "ハマ"), ("池", "イケ", "イケ"), ("石", "イシ", "イシ"), ("松", "マツ", "マツ"),
    ("関", "セキ", "ゼキ"), ("畑", "ハタ", "バタ"), ("城", "シロ", "ジロ"), ("倉", "クラ", "グラ"),
    ("西", "ニシ", "ニシ"), ("地", "チ", "ジ"), ("場", "バ", "バ"), ("形", "カタ", "ガタ"), ("守", "モリ", "モリ"),
    ("戸", "ト", "ド"), ("海", "ウミ", "ウミ"),
)
# fmt: on

# Variant kanji (異体字) used in real names, by the common form they replace.
SURNAME_VARIANTS: dict[str, tuple[str, ...]] = {
    "高": ("髙",),
    "崎": ("﨑", "嵜"),
    "斎": ("齋", "齊"),
    "辺": ("邊", "邉"),
    "沢": ("澤",),
    "浜": ("濱",),
    "島": ("嶋",),
    "桜": ("櫻",),
    "広": ("廣",),
    "国": ("國",),
    "富": ("冨",),
    "吉": ("𠮷",),
    "徳": ("德",),
    "瀬": ("瀨",),
    "黒": ("黑",),
}
SURNAME_VARIANT_RATE = 0.015

# --- given names -------------------------------------------------------------------------------

# (name, reading) by gender and birth era: "old" born before 1955, "mid" 1955–1984, "young" 1985 on.
# fmt: off
GIVEN_NAMES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("male", "old"): (
        ("清", "キヨシ"), ("勇", "イサム"), ("博", "ヒロシ"), ("茂", "シゲル"), ("実", "ミノル"), ("進", "ススム"),
        ("弘", "ヒロシ"), ("正", "タダシ"), ("明", "アキラ"), ("武", "タケシ"), ("勝", "マサル"), ("豊", "ユタカ"),
        ("昭", "アキラ"), ("修", "オサム"), ("隆", "タカシ"), ("和夫", "カズオ"), ("正男", "マサオ"),
        ("一郎", "イチロウ"), ("三郎", "サブロウ"), ("正雄", "マサオ"), ("幸雄", "ユキオ"), ("健一", "ケンイチ"),
        ("義雄", "ヨシオ"), ("秀夫", "ヒデオ"), ("勝利", "カツトシ"), ("哲夫", "テツオ"), ("稔", "ミノル"),
        ("敏夫", "トシオ"), ("光男", "ミツオ"), ("武夫", "タケオ"), ("忠", "タダシ"), ("昇", "ノボル"),
        ("功", "イサオ"), ("守", "マモル"),
    ),
    ("male", "mid"): (
        ("誠", "マコト"), ("浩", "ヒロシ"), ("健一", "ケンイチ"), ("聡", "サトシ"), ("哲也", "テツヤ"),
        ("直樹", "ナオキ"), ("剛", "ツヨシ"), ("学", "マナブ"), ("隆", "タカシ"), ("大輔", "ダイスケ"),
        ("健", "ケン"), ("和也", "カズヤ"), ("達也", "タツヤ"), ("浩二", "コウジ"), ("秀樹", "ヒデキ"),
        ("洋平", "ヨウヘイ"), ("修", "オサム"), ("正人", "マサト"), ("博之", "ヒロユキ"), ("英樹", "ヒデキ"),
        ("拓也", "タクヤ"), ("裕介", "ユウスケ"), ("智", "サトル"), ("亮", "リョウ"), ("真一", "シンイチ"),
        ("雅之", "マサユキ"), ("康弘", "ヤスヒロ"), ("一郎", "イチロウ"), ("茂樹", "シゲキ"), ("克也", "カツヤ"),
        ("徹", "トオル"), ("勝", "マサル"),
    ),
    ("male", "young"): (
        ("翔太", "ショウタ"), ("大輝", "ダイキ"), ("拓海", "タクミ"), ("蓮", "レン"), ("翔", "ショウ"),
        ("健太", "ケンタ"), ("大翔", "ヒロト"), ("悠斗", "ユウト"), ("陸", "リク"), ("湊", "ミナト"),
        ("颯太", "ソウタ"), ("大樹", "ダイキ"), ("優斗", "ユウト"), ("陽翔", "ハルト"), ("海斗", "カイト"),
        ("樹", "イツキ"), ("悠真", "ユウマ"), ("亮太", "リョウタ"), ("拓也", "タクヤ"), ("翼", "ツバサ"),
        ("和也", "カズヤ"), ("直人", "ナオト"), ("航", "ワタル"), ("駿", "シュン"), ("大和", "ヤマト"),
        ("涼", "リョウ"), ("蒼", "アオイ"), ("瑛太", "エイタ"), ("颯", "ハヤテ"), ("健人", "ケント"),
    ),
    ("female", "old"): (
        ("和子", "カズコ"), ("幸子", "サチコ"), ("節子", "セツコ"), ("洋子", "ヨウコ"), ("弘子", "ヒロコ"),
        ("京子", "キョウコ"), ("美代子", "ミヨコ"), ("恵子", "ケイコ"), ("久子", "ヒサコ"), ("悦子", "エツコ"),
        ("澄子", "スミコ"), ("文子", "フミコ"), ("昭子", "アキコ"), ("静子", "シズコ"), ("信子", "ノブコ"),
        ("千代子", "チヨコ"), ("トシ子", "トシコ"), ("キヨ", "キヨ"), ("ハル", "ハル"), ("フミ", "フミ"),
        ("光子", "ミツコ"), ("敏子", "トシコ"), ("正子", "マサコ"), ("清子", "キヨコ"), ("道子", "ミチコ"),
        ("冨美子", "フミコ"), ("貞子", "サダコ"), ("ミツ", "ミツ"),
    ),
    ("female", "mid"): (
        ("裕子", "ユウコ"), ("直美", "ナオミ"), ("明美", "アケミ"), ("由美子", "ユミコ"), ("久美子", "クミコ"),
        ("真由美", "マユミ"), ("智子", "トモコ"), ("陽子", "ヨウコ"), ("純子", "ジュンコ"), ("恵美", "エミ"),
        ("美香", "ミカ"), ("香織", "カオリ"), ("綾", "アヤ"), ("恵", "メグミ"), ("由美", "ユミ"), ("美穂", "ミホ"),
        ("典子", "ノリコ"), ("由紀子", "ユキコ"), ("真理子", "マリコ"), ("さおり", "サオリ"), ("めぐみ", "メグミ"),
        ("礼子", "レイコ"), ("聡子", "サトコ"), ("貴子", "タカコ"), ("美紀", "ミキ"), ("亜希子", "アキコ"),
        ("麻衣", "マイ"), ("舞", "マイ"), ("理恵", "リエ"), ("奈緒子", "ナオコ"),
    ),
    ("female", "young"): (
        ("陽菜", "ヒナ"), ("結衣", "ユイ"), ("美咲", "ミサキ"), ("さくら", "サクラ"), ("葵", "アオイ"),
        ("凛", "リン"), ("結菜", "ユイナ"), ("愛", "アイ"), ("彩", "アヤ"), ("七海", "ナナミ"), ("美月", "ミツキ"),
        ("莉子", "リコ"), ("芽依", "メイ"), ("楓", "カエデ"), ("杏", "アン"), ("彩花", "アヤカ"), ("千尋", "チヒロ"),
        ("花音", "カノン"), ("優花", "ユウカ"), ("未来", "ミク"), ("真央", "マオ"), ("舞", "マイ"), ("遥", "ハルカ"),
        ("菜々子", "ナナコ"), ("愛美", "マナミ"), ("沙希", "サキ"), ("萌", "モエ"), ("詩織", "シオリ"),
        ("瑞希", "ミズキ"), ("茜", "アカネ"),
    ),
}
# fmt: on

# Compositions for the long tail of given names: front (kanji, reading) × suffix (kanji, reading).
# fmt: off
MALE_FRONTS: tuple[tuple[str, str], ...] = (
    ("健", "ケン"), ("誠", "セイ"), ("浩", "コウ"), ("和", "カズ"), ("正", "マサ"), ("秀", "ヒデ"), ("英", "エイ"),
    ("博", "ヒロ"), ("隆", "タカ"), ("達", "タツ"), ("勇", "ユウ"), ("俊", "トシ"), ("哲", "テツ"), ("修", "シュウ"),
    ("拓", "タク"), ("翔", "ショウ"), ("大", "ダイ"), ("康", "ヤス"), ("義", "ヨシ"), ("信", "ノブ"), ("昭", "アキ"),
    ("光", "ミツ"), ("賢", "ケン"), ("純", "ジュン"), ("真", "シン"), ("悠", "ユウ"), ("直", "ナオ"), ("智", "トモ"),
    ("宏", "ヒロ"), ("敏", "トシ"), ("孝", "タカ"), ("幸", "コウ"), ("清", "キヨ"), ("憲", "ノリ"), ("恭", "キョウ"),
    ("晃", "コウ"), ("亮", "リョウ"), ("圭", "ケイ"), ("雅", "マサ"), ("克", "カツ"), ("茂", "シゲ"), ("典", "ノリ"),
)
# fmt: on
# fmt: off
MALE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("一", "イチ"), ("二", "ジ"), ("太", "タ"), ("介", "スケ"), ("也", "ヤ"), ("人", "ト"), ("樹", "キ"),
    ("彦", "ヒコ"), ("夫", "オ"), ("雄", "オ"), ("男", "オ"), ("郎", "ロウ"), ("太郎", "タロウ"), ("次", "ジ"),
    ("平", "ヘイ"), ("司", "ジ"), ("治", "ジ"), ("之", "ユキ"), ("史", "シ"), ("輝", "キ"), ("吾", "ゴ"),
    ("斗", "ト"),
)
# fmt: on
# fmt: off
FEMALE_FRONTS: tuple[tuple[str, str], ...] = (
    ("美", "ミ"), ("由", "ユ"), ("真", "マ"), ("智", "チ"), ("久", "ク"), ("幸", "サチ"), ("和", "カズ"),
    ("京", "キョウ"), ("洋", "ヨウ"), ("裕", "ユウ"), ("優", "ユウ"), ("陽", "ヨウ"), ("理", "リ"), ("直", "ナオ"),
    ("千", "チ"), ("佐", "サ"), ("亜", "ア"), ("奈", "ナ"), ("彩", "サ"), ("友", "トモ"), ("早", "サ"), ("沙", "サ"),
    ("里", "リ"), ("菜", "ナ"), ("結", "ユイ"), ("愛", "アイ"), ("麻", "マ"), ("絵", "エ"), ("瑞", "ミズ"),
    ("香", "カ"), ("律", "リツ"), ("貴", "タカ"), ("清", "キヨ"), ("静", "シズ"), ("節", "セツ"), ("文", "フミ"),
    ("光", "ミツ"), ("澄", "スミ"), ("春", "ハル"), ("夏", "ナツ"), ("秋", "アキ"), ("紀", "ノリ"),
)
# fmt: on
# fmt: off
FEMALE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("子", "コ"), ("美", "ミ"), ("江", "エ"), ("代", "ヨ"), ("恵", "エ"), ("香", "カ"), ("奈", "ナ"), ("花", "カ"),
    ("菜", "ナ"), ("里", "リ"), ("乃", "ノ"), ("佳", "カ"), ("枝", "エ"), ("希", "キ"), ("実", "ミ"), ("織", "オリ"),
    ("穂", "ホ"), ("音", "ネ"),
)
# fmt: on

ERAS = ("old", "mid", "young")


def era_of_birth_year(year: int) -> str:
    if year < 1955:
        return "old"
    if year < 1985:
        return "mid"
    return "young"


# --- weighted pools ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NamePool:
    """Names with readings and cumulative Zipf-Mandelbrot weights, for O(log n) weighted picks."""

    names: tuple[str, ...]
    readings: tuple[str, ...]
    cumulative: tuple[float, ...]

    @property
    def total(self) -> float:
        return self.cumulative[-1]

    def pick(self, rng: random.Random) -> tuple[str, str]:
        index = bisect(self.cumulative, rng.random() * self.total)
        return self.names[index], self.readings[index]

    def __len__(self) -> int:
        return len(self.names)


def zipf_weights(count: int, *, s: float = 1.0, q: float = 10.0) -> list[float]:
    """w(rank) = 1 / (rank + q)^s: Zipf-like, with a flatter head like real name frequencies."""
    return [1.0 / (rank + q) ** s for rank in range(1, count + 1)]


def _pool(pairs: list[tuple[str, str]], *, s: float, q: float) -> NamePool:
    weights = zipf_weights(len(pairs), s=s, q=q)
    return NamePool(
        names=tuple(name for name, _ in pairs),
        readings=tuple(reading for _, reading in pairs),
        cumulative=tuple(accumulate(weights)),
    )


def composed_surnames() -> list[tuple[str, str]]:
    """Every front × back composition that is not already a common real surname, in a fixed order."""
    rng = random.Random("tsunagu-surnames-v1")
    common = {name for name, _ in COMMON_SURNAMES}
    seen: set[str] = set(common)
    out: list[tuple[str, str]] = []
    for front, front_reading in SURNAME_FRONTS:
        for back, plain, voiced in SURNAME_BACKS:
            name = front + back
            if front == back or name in seen:
                continue
            seen.add(name)
            # Simple rendaku: voiced about two thirds of the time, never after ン.
            reading_back = (
                voiced if voiced != plain and not front_reading.endswith("ン") and rng.random() < 0.67 else plain
            )
            out.append((name, front_reading + reading_back))
    rng.shuffle(out)
    return out


def composed_given_names(gender: str) -> list[tuple[str, str]]:
    fronts, suffixes = (MALE_FRONTS, MALE_SUFFIXES) if gender == "male" else (FEMALE_FRONTS, FEMALE_SUFFIXES)
    real = {name for era in ERAS for name, _ in GIVEN_NAMES[(gender, era)]}
    seen: set[str] = set(real)
    out: list[tuple[str, str]] = []
    for front, front_reading in fronts:
        for suffix, suffix_reading in suffixes:
            name = front + suffix
            if front == suffix or name in seen:
                continue
            seen.add(name)
            out.append((name, front_reading + suffix_reading))
    random.Random(f"tsunagu-given-{gender}-v1").shuffle(out)
    return out


@cache
def surname_pool() -> NamePool:
    """~170 real surnames on top, then ~3,800 compositions; 佐藤 gets about 1.5%."""
    return _pool([*COMMON_SURNAMES, *composed_surnames()], s=1.0, q=10.0)


@cache
def given_name_pool(gender: str, era: str) -> NamePool:
    """Real names of the era on top, then the neighbouring eras' names, then compositions."""
    own = list(GIVEN_NAMES[(gender, era)])
    neighbours = {"old": ("mid",), "mid": ("old", "young"), "young": ("mid",)}[era]
    others = [pair for other in neighbours for pair in GIVEN_NAMES[(gender, other)] if pair not in own]
    return _pool([*own, *dict.fromkeys(others), *composed_given_names(gender)], s=1.2, q=4.0)


def surname_reading(name: str, reading: str, rng: random.Random) -> str:
    """Apply the alternate reading of a real surname (山崎 → ヤマサキ) at its rate."""
    alternate = ALTERNATE_READINGS.get(name)
    if alternate is not None and rng.random() < alternate[1]:
        return alternate[0]
    return reading


def with_kanji_variant(name: str, rng: random.Random) -> str:
    """Replace one character with a variant form (高 → 髙) for ~1.5% of the names that have one."""
    for index, char in enumerate(name):
        variants = SURNAME_VARIANTS.get(char)
        if variants is not None:
            if rng.random() < SURNAME_VARIANT_RATE:
                return name[:index] + variants[int(rng.random() * len(variants)) % len(variants)] + name[index + 1 :]
            return name
    return name
