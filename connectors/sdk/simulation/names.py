"""Realistic Chinese personal names, phone numbers and place names, from a seeded RNG."""

from __future__ import annotations

import random

# The most common surnames, most frequent first; weights fall off as in the census.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_SINGLE = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣琳婷雪倩颖佳"
)
GIVEN_DOUBLE = (
    "秀英",
    "桂英",
    "秀兰",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽华",
    "建国",
    "国强",
    "文杰",
    "子涵",
    "雨桐",
    "欣怡",
    "浩然",
    "宇轩",
    "梓涵",
    "俊杰",
    "晓燕",
    "春梅",
    "玉兰",
    "建军",
    "红梅",
    "立新",
    "晓峰",
    "丽娟",
    "美玲",
    "志华",
    "永刚",
    "振华",
    "金凤",
    "凤英",
    "德明",
    "新民",
    "慧敏",
    "嘉怡",
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "158",
    "159",
    "177",
    "180",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
PLACE_WORDS = (
    "桂花",
    "文澜",
    "翠苑",
    "梅林",
    "东湖",
    "西溪",
    "云栖",
    "枫桥",
    "柳营",
    "青石",
    "荷塘",
    "竹园",
    "杏坛",
    "兰亭",
    "松涛",
    "锦绣",
    "凤鸣",
    "龙井",
    "白沙",
    "清泉",
    "金桥",
    "银杏",
    "紫荆",
    "丹桂",
)
ROADS = (
    "文一路",
    "文二路",
    "学院路",
    "教工路",
    "古墩路",
    "丰潭路",
    "莫干山路",
    "湖墅南路",
    "东新路",
    "天目山路",
    "紫金港路",
    "余杭塘路",
    "云溪大道",
    "青山路",
    "环湖路",
    "建设路",
    "人民路",
    "解放路",
)
ESTATE_SUFFIXES = ("苑", "小区", "花园", "家园", "公寓", "新村", "府")
CHINESE_NUMERALS = "〇一二三四五六七八九十"


def person_name(rng: random.Random) -> str:
    weights = [1.0 / (rank + 4) for rank in range(len(SURNAMES))]
    surname = rng.choices(SURNAMES, weights)[0]
    if rng.random() < 0.55:
        return surname + rng.choice(GIVEN_DOUBLE)
    return surname + rng.choice(GIVEN_SINGLE)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, up to 99."""
    tens, ones = divmod(number, 10)
    if not 0 < number < 100:
        raise ValueError(f"ordinal out of range: {number}")
    prefix = "" if tens == 0 else ("十" if tens == 1 else CHINESE_NUMERALS[tens] + "十")
    return prefix + (CHINESE_NUMERALS[ones] if ones else "")


def estate_name(rng: random.Random, used: set[str]) -> str:
    """A residential estate name not used before in this town."""
    while True:
        name = rng.choice(PLACE_WORDS) + rng.choice(PLACE_WORDS) + rng.choice(ESTATE_SUFFIXES)
        if name[:2] != name[2:4] and name not in used:
            used.add(name)
            return name


def street_address(rng: random.Random) -> str:
    return f"{rng.choice(ROADS)}{rng.randrange(1, 400)}号"
