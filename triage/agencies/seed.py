"""Provincial bodies of the default directory (Đồng Tháp after 1 July 2025).

Communes, wards and their police and one-stop desks are generated from the official
list (see ``build.py``); the bodies below are the provincial departments and the other
units that ../shared/taxonomy.md routes to, written out once. Former department names
(merged in March 2025) are kept as aliases because citizens still use them.

Each entry: code, name, level, parent, extra aliases.
"""

from __future__ import annotations

from typing import NamedTuple

ACTIVE_FROM = "2025-07-01"


class Seed(NamedTuple):
    code: str
    name: str
    level: str
    parent: str
    aliases: tuple[str, ...] = ()


PROVINCE_OFFICE = "vp-ubnd-tinh"

DEPARTMENTS: tuple[Seed, ...] = (
    Seed(PROVINCE_OFFICE, "Văn phòng UBND tỉnh Đồng Tháp", "province", "", (
        "Văn phòng UBND tỉnh", "Văn phòng Ủy ban nhân dân tỉnh", "VP UBND tỉnh",
        "Văn phòng Ủy ban nhân dân tỉnh Đồng Tháp")),
    Seed("hcc-tinh", "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp", "province",
         PROVINCE_OFFICE, (
        "Trung tâm Phục vụ hành chính công tỉnh", "Trung tâm hành chính công tỉnh",
        "Bộ phận một cửa tỉnh", "Trung tâm PVHCC tỉnh")),
    Seed("so-nnmt", "Sở Nông nghiệp và Môi trường", "province", PROVINCE_OFFICE, (
        "Sở NN&MT", "Sở NNMT", "Sở Nông nghiệp", "Sở Tài nguyên và Môi trường", "Sở TN&MT",
        "Sở TNMT", "Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT", "Sở NNPTNT")),
    Seed("vpdkdd", "Văn phòng Đăng ký đất đai tỉnh Đồng Tháp", "province", "so-nnmt", (
        "Văn phòng Đăng ký đất đai", "Văn phòng đăng ký đất đai tỉnh", "VPĐKĐĐ",
        "Chi nhánh Văn phòng Đăng ký đất đai")),
    Seed("nuoc-sach-nt", "Trung tâm Nước sạch và Vệ sinh môi trường nông thôn", "utility",
         "so-nnmt", (
        "Trung tâm Nước sạch nông thôn", "Trung tâm nước sạch")),
    Seed("so-xd", "Sở Xây dựng", "province", PROVINCE_OFFICE, (
        "Sở Giao thông vận tải", "Sở GTVT", "Sở Giao thông")),
    Seed("so-yt", "Sở Y tế", "province", PROVINCE_OFFICE, ()),
    Seed("so-gddt", "Sở Giáo dục và Đào tạo", "province", PROVINCE_OFFICE, (
        "Sở GD&ĐT", "Sở GDĐT", "Sở Giáo dục", "Sở GD-ĐT")),
    Seed("so-nv", "Sở Nội vụ", "province", PROVINCE_OFFICE, (
        "Sở Lao động - Thương binh và Xã hội", "Sở Lao động Thương binh và Xã hội",
        "Sở LĐTBXH", "Sở LĐ-TB&XH", "Sở Lao động")),
    Seed("bhxh-tinh", "Bảo hiểm xã hội tỉnh Đồng Tháp", "vertical", "", (
        "Bảo hiểm xã hội tỉnh", "BHXH tỉnh", "BHXH tỉnh Đồng Tháp", "BHXH Đồng Tháp",
        "BHXH Tiền Giang", "Bảo hiểm xã hội Tiền Giang", "cơ quan bảo hiểm xã hội",
        "cơ quan BHXH")),
    Seed("so-tp", "Sở Tư pháp", "province", PROVINCE_OFFICE, ()),
    Seed("so-tc", "Sở Tài chính", "province", PROVINCE_OFFICE, (
        "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở KHĐT")),
    Seed("thue-tinh", "Thuế tỉnh Đồng Tháp", "vertical", "", (
        "Thuế tỉnh", "Cục Thuế tỉnh", "Cục Thuế Đồng Tháp", "Cục Thuế Tiền Giang", "Cục Thuế",
        "Chi cục Thuế", "cơ quan thuế", "Thuế cơ sở")),
    Seed("so-ct", "Sở Công Thương", "province", PROVINCE_OFFICE, (
        "Chi cục Quản lý thị trường", "Quản lý thị trường", "QLTT")),
    Seed("so-khcn", "Sở Khoa học và Công nghệ", "province", PROVINCE_OFFICE, (
        "Sở KH&CN", "Sở KHCN", "Sở Thông tin và Truyền thông", "Sở TT&TT", "Sở TTTT")),
    Seed("so-vhttdl", "Sở Văn hóa, Thể thao và Du lịch", "province", PROVINCE_OFFICE, (
        "Sở Văn hóa Thể thao và Du lịch", "Sở VHTTDL", "Sở VH-TT-DL", "Sở VHTT&DL", "Sở Văn hóa")),
    Seed("ca-tinh", "Công an tỉnh Đồng Tháp", "police", "", (
        "Công an tỉnh", "CA tỉnh", "Phòng Cảnh sát giao thông", "Cảnh sát giao thông", "CSGT",
        "Phòng Cảnh sát quản lý hành chính về trật tự xã hội", "PC06", "PC08")),
)

UTILITIES: tuple[Seed, ...] = (
    Seed("pc-dongthap", "Công ty Điện lực Đồng Tháp", "utility", "", (
        "PC Đồng Tháp", "Điện lực Đồng Tháp", "Công ty điện lực Đồng Tháp", "điện lực tỉnh")),
    Seed("pc-tiengiang", "Công ty Điện lực Tiền Giang", "utility", "", (
        "PC Tiền Giang", "Điện lực Tiền Giang")),
    Seed("cn-dongthap", "Công ty Cổ phần Cấp nước và Môi trường đô thị Đồng Tháp", "utility", "", (
        "DOWASEN", "Công ty cấp nước Đồng Tháp", "Cấp nước Đồng Tháp",
        "Công ty Cấp nước và Môi trường đô thị Đồng Tháp")),
    Seed("cn-tiengiang", "Công ty Cổ phần Cấp thoát nước Tiền Giang", "utility", "", (
        "Công ty cấp nước Tiền Giang", "Cấp thoát nước Tiền Giang", "Cấp nước Tiền Giang",
        "Công ty Cấp thoát nước Tiền Giang")),
)

# District power units of the two power companies, by the old district they serve.
# (code suffix, display place, company, old district key)
POWER_UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("tpcaolanh", "Thành phố Cao Lãnh", "pc-dongthap", "thanhphocaolanh"),
    ("caolanh", "Cao Lãnh", "pc-dongthap", "huyencaolanh"),
    ("sadec", "Sa Đéc", "pc-dongthap", "thanhphosadec"),
    ("hongngu", "Hồng Ngự", "pc-dongthap", "thanhphohongngu"),
    ("tanhong", "Tân Hồng", "pc-dongthap", "huyentanhong"),
    ("tamnong", "Tam Nông", "pc-dongthap", "huyentamnong"),
    ("thanhbinh", "Thanh Bình", "pc-dongthap", "huyenthanhbinh"),
    ("thapmuoi", "Tháp Mười", "pc-dongthap", "huyenthapmuoi"),
    ("lapvo", "Lấp Vò", "pc-dongthap", "huyenlapvo"),
    ("laivung", "Lai Vung", "pc-dongthap", "huyenlaivung"),
    ("chauthanh-dt", "Châu Thành (Đồng Tháp)", "pc-dongthap", "huyenchauthanh"),
    ("mytho", "Mỹ Tho", "pc-tiengiang", "thanhphomytho"),
    ("gocong", "Gò Công", "pc-tiengiang", "thanhphogocong"),
    ("cailay", "Cai Lậy", "pc-tiengiang", "thixacailay"),
    ("caibe", "Cái Bè", "pc-tiengiang", "huyencaibe"),
    ("chauthanh-tg", "Châu Thành (Tiền Giang)", "pc-tiengiang", "huyenchauthanh"),
    ("chogao", "Chợ Gạo", "pc-tiengiang", "huyenchogao"),
    ("gocongtay", "Gò Công Tây", "pc-tiengiang", "huyengocongtay"),
    ("gocongdong", "Gò Công Đông", "pc-tiengiang", "huyengocongdong"),
    ("tanphuoc", "Tân Phước", "pc-tiengiang", "huyentanphuoc"),
    ("tanphudong", "Tân Phú Đông", "pc-tiengiang", "huyentanphudong"),
)

HOSPITALS: tuple[Seed, ...] = (
    Seed("bv-dk-dongthap", "Bệnh viện Đa khoa Đồng Tháp", "province", "so-yt", (
        "BVĐK Đồng Tháp", "Bệnh viện tỉnh Đồng Tháp", "BV Đa khoa Đồng Tháp",
        "Bệnh viện Đa khoa tỉnh Đồng Tháp")),
    Seed("bv-dk-sadec", "Bệnh viện Đa khoa Sa Đéc", "province", "so-yt", (
        "BVĐK Sa Đéc", "BV Sa Đéc", "Bệnh viện Sa Đéc", "BV Đa khoa Sa Đéc",
        "Bệnh viện Đa khoa khu vực Sa Đéc")),
    Seed("bv-dk-hongngu", "Bệnh viện Đa khoa khu vực Hồng Ngự", "province", "so-yt", (
        "BVĐK Hồng Ngự", "Bệnh viện Hồng Ngự", "Bệnh viện Đa khoa Hồng Ngự", "BV Hồng Ngự",
        "BVĐK khu vực Hồng Ngự")),
    Seed("bv-dk-thapmuoi", "Bệnh viện Đa khoa khu vực Tháp Mười", "province", "so-yt", (
        "Bệnh viện Tháp Mười", "BVĐK Tháp Mười", "Bệnh viện Đa khoa Tháp Mười")),
    Seed("bv-dk-tiengiang", "Bệnh viện Đa khoa Trung tâm Tiền Giang", "province", "so-yt", (
        "Bệnh viện Đa khoa Tiền Giang", "BVĐK Tiền Giang", "Bệnh viện tỉnh Tiền Giang",
        "BVĐK Trung tâm Tiền Giang", "Bệnh viện Tiền Giang")),
    Seed("bv-dk-cailay", "Bệnh viện Đa khoa khu vực Cai Lậy", "province", "so-yt", (
        "BVĐK Cai Lậy", "Bệnh viện Cai Lậy", "Bệnh viện Đa khoa Cai Lậy", "BVĐK khu vực Cai Lậy")),
    Seed("bv-dk-gocong", "Bệnh viện Đa khoa khu vực Gò Công", "province", "so-yt", (
        "BVĐK Gò Công", "Bệnh viện Gò Công", "Bệnh viện Đa khoa Gò Công")),
    Seed("bv-phusan-tiengiang", "Bệnh viện Phụ sản Tiền Giang", "province", "so-yt", (
        "Bệnh viện Phụ sản", "BV Phụ sản Tiền Giang")),
    Seed("bv-yhct-dongthap", "Bệnh viện Y học cổ truyền Đồng Tháp", "province", "so-yt", (
        "Bệnh viện Y học cổ truyền", "BV YHCT Đồng Tháp")),
    Seed("bv-phoi-dongthap", "Bệnh viện Phổi Đồng Tháp", "province", "so-yt", (
        "Bệnh viện Phổi", "BV Phổi Đồng Tháp")),
    Seed("bv-tamthan-dongthap", "Bệnh viện Tâm thần Đồng Tháp", "province", "so-yt", (
        "Bệnh viện Tâm thần", "BV Tâm thần Đồng Tháp")),
)


def power_units() -> tuple[Seed, ...]:
    units = []
    for suffix, place, company, _district in POWER_UNITS:
        short = place.split(" (")[0].replace("Thành phố ", "TP ")
        # "Điện lực Châu Thành" names two units; the directory picks by the place named.
        aliases = (f"Điện lực {short}", f"Chi nhánh điện {short}")
        units.append(Seed(f"dl-{suffix}", f"Điện lực {place}", "utility", company, aliases))
    return tuple(units)


def provincial_seeds() -> tuple[Seed, ...]:
    return DEPARTMENTS + UTILITIES + power_units() + HOSPITALS
