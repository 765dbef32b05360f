"""Fixed reference data of the demo: positions, departments, Party bodies, institutions and
programmes. Other packages (seed standards, tests) refer to these codes, so they are constants."""

from __future__ import annotations

# (code, name, kind). Codes are stable: cadretrain.standards.seed writes standards against them.
POSITIONS: list[tuple[str, str, str]] = [
    # Leadership titles
    ("BI_THU_THANH_UY", "Bí thư Thành ủy", "LEADERSHIP"),
    ("TRUONG_BAN_TU", "Trưởng ban Thành ủy", "LEADERSHIP"),
    ("PHO_TRUONG_BAN_TU", "Phó Trưởng ban Thành ủy", "LEADERSHIP"),
    ("GIAM_DOC_SO", "Giám đốc Sở", "LEADERSHIP"),
    ("PHO_GIAM_DOC_SO", "Phó Giám đốc Sở", "LEADERSHIP"),
    ("TRUONG_PHONG", "Trưởng phòng", "LEADERSHIP"),
    ("PHO_TRUONG_PHONG", "Phó Trưởng phòng", "LEADERSHIP"),
    ("BI_THU_DANG_UY_XA", "Bí thư Đảng ủy xã, phường", "LEADERSHIP"),
    ("CHU_TICH_UBND_XA", "Chủ tịch UBND xã, phường", "LEADERSHIP"),
    ("PHO_CHU_TICH_UBND_XA", "Phó Chủ tịch UBND xã, phường", "LEADERSHIP"),
    ("CHU_TICH_HDND_XA", "Chủ tịch HĐND xã, phường", "LEADERSHIP"),
    ("CHU_TICH_MTTQ_XA", "Chủ tịch Ủy ban MTTQ xã, phường", "LEADERSHIP"),
    ("BI_THU_DANG_UY_HUYEN", "Bí thư Quận ủy, Huyện ủy", "LEADERSHIP"),
    ("CHU_TICH_UBND_HUYEN", "Chủ tịch UBND quận, huyện", "LEADERSHIP"),
    ("GIAM_DOC_DVSN", "Giám đốc đơn vị sự nghiệp", "LEADERSHIP"),
    ("PHO_GIAM_DOC_DVSN", "Phó Giám đốc đơn vị sự nghiệp", "LEADERSHIP"),
    ("HIEU_TRUONG", "Hiệu trưởng", "LEADERSHIP"),
    ("PHO_HIEU_TRUONG", "Phó Hiệu trưởng", "LEADERSHIP"),
    ("TRAM_TRUONG_TYT", "Trạm trưởng Trạm Y tế", "LEADERSHIP"),
    # Specialist positions (rank standards) and commune civil-servant positions
    ("CHUYEN_VIEN", "Chuyên viên", "SPECIALIST"),
    ("CHUYEN_VIEN_CHINH", "Chuyên viên chính", "SPECIALIST"),
    ("CHUYEN_VIEN_CAO_CAP", "Chuyên viên cao cấp", "SPECIALIST"),
    ("CAN_SU", "Cán sự", "SPECIALIST"),
    ("VAN_PHONG_THONG_KE", "Văn phòng - thống kê", "SPECIALIST"),
    ("DIA_CHINH_XAY_DUNG", "Địa chính - xây dựng - đô thị và môi trường", "SPECIALIST"),
    ("TAI_CHINH_KE_TOAN", "Tài chính - kế toán", "SPECIALIST"),
    ("TU_PHAP_HO_TICH", "Tư pháp - hộ tịch", "SPECIALIST"),
    ("VAN_HOA_XA_HOI", "Văn hóa - xã hội", "SPECIALIST"),
    ("CHI_HUY_TRUONG_QUAN_SU", "Chỉ huy trưởng Ban Chỉ huy quân sự", "SPECIALIST"),
    ("THANH_TRA_VIEN", "Thanh tra viên", "SPECIALIST"),
    ("KE_TOAN_VIEN", "Kế toán viên", "SPECIALIST"),
    # Support
    ("NHAN_VIEN_HANH_CHINH", "Nhân viên hành chính", "SUPPORT"),
    ("VAN_THU", "Văn thư", "SUPPORT"),
    ("LAI_XE", "Lái xe", "SUPPORT"),
    ("BAO_VE", "Bảo vệ", "SUPPORT"),
    ("KHONG_CHUYEN_TRACH", "Người hoạt động không chuyên trách", "SUPPORT"),
    # Professional titles (viên chức)
    ("GIAO_VIEN_HANG_I", "Giáo viên hạng I", "PROFESSIONAL_TITLE"),
    ("GIAO_VIEN_HANG_II", "Giáo viên hạng II", "PROFESSIONAL_TITLE"),
    ("GIAO_VIEN_HANG_III", "Giáo viên hạng III", "PROFESSIONAL_TITLE"),
    ("BAC_SI", "Bác sĩ", "PROFESSIONAL_TITLE"),
    ("BAC_SI_CHINH", "Bác sĩ chính", "PROFESSIONAL_TITLE"),
    ("Y_SI", "Y sĩ", "PROFESSIONAL_TITLE"),
    ("DIEU_DUONG", "Điều dưỡng", "PROFESSIONAL_TITLE"),
    ("DUOC_SI", "Dược sĩ", "PROFESSIONAL_TITLE"),
    ("KY_SU", "Kỹ sư", "PROFESSIONAL_TITLE"),
    ("LUU_TRU_VIEN", "Lưu trữ viên", "PROFESSIONAL_TITLE"),
    ("GIANG_VIEN", "Giảng viên", "PROFESSIONAL_TITLE"),
]
POSITION_CODES = [code for code, _, _ in POSITIONS]

# (suffix, name, [(child suffix, child name, kind)]) — departments of the city (sở, ngành).
DEPARTMENTS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("SNV", "Sở Nội vụ", [("TTLT", "Trung tâm Lưu trữ lịch sử", "PUBLIC_SERVICE_UNIT")]),
    ("STC", "Sở Tài chính", [("TTDV", "Trung tâm Dịch vụ tài chính công", "PUBLIC_SERVICE_UNIT")]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", [
        ("THPT01", "Trường THPT Chu Văn An", "SCHOOL"),
        ("THPT02", "Trường THPT Phan Đình Phùng", "SCHOOL"),
        ("THPT03", "Trường THPT Kim Liên", "SCHOOL"),
        ("THPT04", "Trường THPT Việt Đức", "SCHOOL"),
        ("CDSP", "Trường Cao đẳng Sư phạm Hà Nội", "SCHOOL"),
    ]),
    ("SYT", "Sở Y tế", [
        ("BV01", "Bệnh viện Đa khoa Xanh Pôn", "PUBLIC_SERVICE_UNIT"),
        ("BV02", "Bệnh viện Thanh Nhàn", "PUBLIC_SERVICE_UNIT"),
        ("BV03", "Bệnh viện Đa khoa Đức Giang", "PUBLIC_SERVICE_UNIT"),
        ("BV04", "Bệnh viện Tim Hà Nội", "PUBLIC_SERVICE_UNIT"),
        ("CDC", "Trung tâm Kiểm soát bệnh tật Hà Nội", "PUBLIC_SERVICE_UNIT"),
    ]),
    ("STP", "Sở Tư pháp", [("TTTGPL", "Trung tâm Trợ giúp pháp lý nhà nước", "PUBLIC_SERVICE_UNIT")]),
    ("SCT", "Sở Công Thương", [("TTXTTM", "Trung tâm Xúc tiến thương mại", "PUBLIC_SERVICE_UNIT")]),
    ("SXD", "Sở Xây dựng", [("TTQLGT", "Trung tâm Quản lý giao thông công cộng", "PUBLIC_SERVICE_UNIT")]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", [
        ("TTKN", "Trung tâm Khuyến nông", "PUBLIC_SERVICE_UNIT"),
        ("VPDKDD", "Văn phòng Đăng ký đất đai", "PUBLIC_SERVICE_UNIT"),
    ]),
    ("SKHCN", "Sở Khoa học và Công nghệ", [("TTCDS", "Trung tâm Chuyển đổi số", "PUBLIC_SERVICE_UNIT")]),
    ("SVHTT", "Sở Văn hóa và Thể thao", [
        ("TVHN", "Thư viện Hà Nội", "PUBLIC_SERVICE_UNIT"),
        ("NHCT", "Nhà hát Chèo Hà Nội", "PUBLIC_SERVICE_UNIT"),
    ]),
    ("SDL", "Sở Du lịch", [("TTXTDL", "Trung tâm Xúc tiến du lịch", "PUBLIC_SERVICE_UNIT")]),
    ("SQHKT", "Sở Quy hoạch - Kiến trúc", [("VQH", "Viện Quy hoạch xây dựng Hà Nội", "PUBLIC_SERVICE_UNIT")]),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", []),
    ("SNGV", "Sở Ngoại vụ", []),
    ("TTRA", "Thanh tra thành phố", []),
    ("VPUB", "Văn phòng UBND thành phố", [("CONGTT", "Cổng Giao tiếp điện tử Hà Nội", "PUBLIC_SERVICE_UNIT")]),
    ("VPDD", "Văn phòng Đoàn ĐBQH và HĐND thành phố", []),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp và chế xuất", []),
    ("BQLCNC", "Ban Quản lý Khu công nghệ cao và các khu công nghiệp", []),
    ("DPTTH", "Đài Phát thanh và Truyền hình Hà Nội", []),
]

# Party bodies under HN: the city Party Committee and its advisory boards.
PARTY_BODIES: list[tuple[str, str, str]] = [
    ("TU", "Thành ủy Hà Nội", "PARTY_BODY"),
    ("TU.BTC", "Ban Tổ chức Thành ủy", "PARTY_BODY"),
    ("TU.BTGDV", "Ban Tuyên giáo và Dân vận Thành ủy", "PARTY_BODY"),
    ("TU.VP", "Văn phòng Thành ủy", "PARTY_BODY"),
    ("TU.UBKT", "Ủy ban Kiểm tra Thành ủy", "PARTY_BODY"),
    ("TU.BNC", "Ban Nội chính Thành ủy", "PARTY_BODY"),
    ("TU.BCS", "Ban Chính sách, chiến lược Thành ủy", "PARTY_BODY"),
    ("TU.LHP", "Trường Đào tạo cán bộ Lê Hồng Phong", "PUBLIC_SERVICE_UNIT"),
    ("MTTQ", "Ủy ban MTTQ Việt Nam thành phố Hà Nội", "OTHER"),
]

# Internal units of each commune-level unit after 2025-07-01 (NĐ 150/2025 typical names).
WARD_OFFICES: list[tuple[str, str]] = [
    ("VP", "Văn phòng HĐND và UBND"),
    ("KT", "Phòng Kinh tế"),
    ("VHXH", "Phòng Văn hóa - Xã hội"),
]

LHP = "Trường Đào tạo cán bộ Lê Hồng Phong"
HCMA = "Học viện Chính trị quốc gia Hồ Chí Minh"
NAPA = "Học viện Hành chính Quốc gia"

# (name, country, is_partner)
INSTITUTIONS: list[tuple[str, str, bool]] = [
    (LHP, "VN", False),
    (HCMA, "VN", False),
    (NAPA, "VN", False),
    ("Học viện Chính trị khu vực I", "VN", False),
    ("Trường Chính trị tỉnh Hà Nam", "VN", False),
    ("Trường Đại học Nội vụ Hà Nội", "VN", False),
    ("Trường Đại học Quốc gia Hà Nội", "VN", False),
    ("Trường Đại học Kinh tế Quốc dân", "VN", False),
    ("Học viện Báo chí và Tuyên truyền", "VN", False),
    ("Trung tâm Tin học - Sở Thông tin và Truyền thông", "VN", False),
    ("Trường Đại học Hà Nội", "VN", False),
    ("Trường Quân sự Thủ đô Hà Nội", "VN", False),
    ("Civil Service College Singapore", "SG", True),
    ("Học viện Cán bộ Phổ Đông Trung Quốc", "CN", True),
    ("Korea Institute of Public Administration", "KR", True),
    ("Institut national du service public (INSP)", "FR", True),
    ("Japan International Cooperation Agency (JICA) Training Centre", "JP", True),
]

# (code, name, kind, grants_dimension, grants_level, grants_language, periods, topics, institution,
#  weight, audience). audience: "all" | "leaders" | "commune" | "teachers" | "health".
PROGRAMMES: list[tuple[str, str, str, str, str, str, int, str, str, float, str]] = [
    ("LLCT-CC", "Cao cấp lý luận chính trị", "POLITICAL_THEORY", "POLITICAL_THEORY", "CAO_CAP", "", 1360,
     "lý luận chính trị; chủ nghĩa Mác - Lênin; tư tưởng Hồ Chí Minh", HCMA, 0.08, "leaders"),
    ("LLCT-TC", "Trung cấp lý luận chính trị", "POLITICAL_THEORY", "POLITICAL_THEORY", "TRUNG_CAP", "", 720,
     "lý luận chính trị; xây dựng Đảng", LHP, 0.6, "all"),
    ("LLCT-SC", "Sơ cấp lý luận chính trị", "POLITICAL_THEORY", "POLITICAL_THEORY", "SO_CAP", "", 160,
     "lý luận chính trị", LHP, 0.8, "commune"),
    ("QLNN-CV", "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên", "STATE_MANAGEMENT",
     "STATE_MANAGEMENT", "CHUYEN_VIEN", "", 240, "quản lý nhà nước; thủ tục hành chính", NAPA, 2.0, "all"),
    ("QLNN-CVC", "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên chính", "STATE_MANAGEMENT",
     "STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH", "", 320, "quản lý nhà nước; hoạch định chính sách", NAPA, 1.0, "all"),
    ("QLNN-CVCC", "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên cao cấp", "STATE_MANAGEMENT",
     "STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP", "", 400, "quản lý nhà nước; lãnh đạo chiến lược", NAPA, 0.1, "leaders"),
    ("QLNN-LDCP", "Bồi dưỡng lãnh đạo, quản lý cấp phòng", "STATE_MANAGEMENT", "", "", "", 120,
     "kỹ năng lãnh đạo; quản lý cấp phòng", NAPA, 1.2, "leaders"),
    ("QLNN-CX", "Bồi dưỡng quản lý nhà nước cho công chức cấp xã", "STATE_MANAGEMENT", "", "", "", 80,
     "chính quyền hai cấp; quản lý nhà nước cấp xã", LHP, 2.0, "commune"),
    ("CNKT-BTV", "Cập nhật kiến thức cho cán bộ diện Ban Thường vụ Thành ủy quản lý", "KNOWLEDGE_UPDATE", "",
     "", "", 40, "cập nhật kiến thức; phát triển Thủ đô", LHP, 0.8, "leaders"),
    ("CNKT-LDCX", "Cập nhật kiến thức cho lãnh đạo cấp xã", "KNOWLEDGE_UPDATE", "", "", "", 32,
     "cập nhật kiến thức; chính quyền địa phương hai cấp", LHP, 1.0, "leaders"),
    ("CNKT-PL", "Cập nhật kiến thức pháp luật mới", "KNOWLEDGE_UPDATE", "", "", "", 16,
     "pháp luật; Luật Thủ đô", LHP, 2.0, "all"),
    ("TH-CB", "Ứng dụng công nghệ thông tin cơ bản", "IT", "IT", "CO_BAN", "", 120,
     "tin học cơ bản", "Trung tâm Tin học - Sở Thông tin và Truyền thông", 1.2, "all"),
    ("TH-NC", "Ứng dụng công nghệ thông tin nâng cao", "IT", "IT", "NANG_CAO", "", 180,
     "tin học nâng cao; an toàn thông tin", "Trung tâm Tin học - Sở Thông tin và Truyền thông", 0.8, "all"),
    ("NN-EN-B1", "Tiếng Anh bậc 3 (B1)", "FOREIGN_LANGUAGE", "FOREIGN_LANGUAGE", "BAC_3", "en", 300,
     "tiếng Anh", "Trường Đại học Hà Nội", 1.0, "all"),
    ("NN-EN-B2", "Tiếng Anh bậc 4 (B2)", "FOREIGN_LANGUAGE", "FOREIGN_LANGUAGE", "BAC_4", "en", 400,
     "tiếng Anh", "Trường Đại học Hà Nội", 0.5, "all"),
    ("NN-FR-B1", "Tiếng Pháp bậc 3 (B1)", "FOREIGN_LANGUAGE", "FOREIGN_LANGUAGE", "BAC_3", "fr", 300,
     "tiếng Pháp", "Trường Đại học Hà Nội", 0.15, "all"),
    ("NN-ZH-B1", "Tiếng Trung bậc 3 (B1)", "FOREIGN_LANGUAGE", "FOREIGN_LANGUAGE", "BAC_3", "zh", 300,
     "tiếng Trung", "Trường Đại học Hà Nội", 0.2, "all"),
    ("CDS-CB", "Chuyển đổi số trong cơ quan nhà nước", "DIGITAL", "", "", "", 24,
     "chuyển đổi số; chính phủ số", "Trung tâm Tin học - Sở Thông tin và Truyền thông", 2.5, "all"),
    ("CDS-DTTM", "Chuyển đổi số và đô thị thông minh", "DIGITAL", "", "", "", 40,
     "chuyển đổi số; đô thị thông minh", "Trường Đại học Quốc gia Hà Nội", 1.0, "leaders"),
    ("CDS-DL", "Khai thác cơ sở dữ liệu dân cư và dịch vụ công trực tuyến", "DIGITAL", "", "", "", 16,
     "dữ liệu; dịch vụ công trực tuyến; Đề án 06", "Trung tâm Tin học - Sở Thông tin và Truyền thông", 2.0, "commune"),
    ("TS-QLC", "Thạc sĩ Quản lý công", "POSTGRADUATE", "EDUCATION", "THAC_SI", "", 900,
     "quản lý công", NAPA, 0.2, "all"),
    ("TS-KT", "Thạc sĩ Kinh tế chính trị", "POSTGRADUATE", "EDUCATION", "THAC_SI", "", 900,
     "kinh tế chính trị", "Trường Đại học Kinh tế Quốc dân", 0.15, "all"),
    ("TIENSI-QLC", "Tiến sĩ Quản lý công", "POSTGRADUATE", "EDUCATION", "TIEN_SI", "", 1800,
     "quản lý công; nghiên cứu", NAPA, 0.03, "leaders"),
    ("DH-LUAT", "Đại học Luật (văn bằng 2)", "UNDERGRADUATE", "EDUCATION", "DAI_HOC", "", 1200,
     "pháp luật", "Trường Đại học Quốc gia Hà Nội", 0.1, "commune"),
    ("DH-HC", "Đại học Hành chính học (vừa làm vừa học)", "UNDERGRADUATE", "EDUCATION", "DAI_HOC", "", 1400,
     "hành chính học", "Trường Đại học Nội vụ Hà Nội", 0.1, "commune"),
    ("CM-TCKT", "Nghiệp vụ tài chính - kế toán xã", "PROFESSIONAL", "", "", "", 40,
     "tài chính; kế toán; ngân sách xã", "Trường Đại học Kinh tế Quốc dân", 1.2, "commune"),
    ("CM-TPHT", "Nghiệp vụ tư pháp - hộ tịch", "PROFESSIONAL", "", "", "", 40,
     "tư pháp; hộ tịch", "Trường Đại học Nội vụ Hà Nội", 1.2, "commune"),
    ("CM-DCXD", "Nghiệp vụ địa chính - xây dựng - đô thị", "PROFESSIONAL", "", "", "", 40,
     "địa chính; xây dựng; đô thị", "Trường Đại học Nội vụ Hà Nội", 1.2, "commune"),
    ("CM-VPTK", "Nghiệp vụ văn phòng - thống kê", "PROFESSIONAL", "", "", "", 32,
     "văn thư; lưu trữ; thống kê", "Trường Đại học Nội vụ Hà Nội", 1.2, "commune"),
    ("CM-TTR", "Nghiệp vụ thanh tra, tiếp công dân", "PROFESSIONAL", "", "", "", 40,
     "thanh tra; tiếp công dân; khiếu nại tố cáo", NAPA, 0.8, "all"),
    ("CM-GV", "Bồi dưỡng chức danh nghề nghiệp giáo viên", "PROFESSIONAL", "", "", "", 120,
     "giáo dục; chức danh nghề nghiệp", "Trường Đại học Quốc gia Hà Nội", 1.5, "teachers"),
    ("CM-YT", "Bồi dưỡng chuyên môn y tế cơ sở", "PROFESSIONAL", "", "", "", 80,
     "y tế cơ sở; y tế dự phòng", "Trường Đại học Quốc gia Hà Nội", 1.2, "health"),
    ("KN-GT", "Kỹ năng giao tiếp và ứng xử của công chức", "SOFT_SKILLS", "", "", "", 16,
     "kỹ năng giao tiếp; văn hóa công vụ", NAPA, 2.0, "all"),
    ("KN-LV", "Kỹ năng lãnh đạo và làm việc nhóm", "SOFT_SKILLS", "", "", "", 24,
     "kỹ năng lãnh đạo; làm việc nhóm", NAPA, 1.0, "leaders"),
    ("QPAN-D3", "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 3", "DEFENCE_SECURITY", "", "", "", 80,
     "quốc phòng; an ninh", "Trường Quân sự Thủ đô Hà Nội", 1.0, "leaders"),
    ("QPAN-D4", "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 4", "DEFENCE_SECURITY", "", "", "", 40,
     "quốc phòng; an ninh", "Trường Quân sự Thủ đô Hà Nội", 1.2, "all"),
    ("XDD-CUY", "Nghiệp vụ công tác Đảng cho cấp ủy viên cơ sở", "PARTY_BUILDING", "", "", "", 40,
     "xây dựng Đảng; công tác cấp ủy", LHP, 1.2, "commune"),
    ("XDD-KT", "Nghiệp vụ công tác kiểm tra, giám sát của Đảng", "PARTY_BUILDING", "", "", "", 40,
     "kiểm tra; giám sát; kỷ luật đảng", LHP, 0.8, "all"),
    ("XDD-DVM", "Bồi dưỡng lý luận chính trị cho đảng viên mới", "PARTY_BUILDING", "", "", "", 40,
     "xây dựng Đảng; đảng viên mới", LHP, 1.0, "all"),
    ("NN-QT", "Bồi dưỡng quản trị công và phát triển đô thị ở nước ngoài", "KNOWLEDGE_UPDATE", "", "", "", 80,
     "quản trị công; phát triển đô thị; kinh nghiệm quốc tế", LHP, 0.0, "abroad"),
]

# Issuers of credentials held before any class in the demo.
UNIVERSITIES = [
    "Trường Đại học Quốc gia Hà Nội", "Trường Đại học Kinh tế Quốc dân", "Trường Đại học Luật Hà Nội",
    "Học viện Hành chính Quốc gia", "Trường Đại học Nội vụ Hà Nội", "Trường Đại học Sư phạm Hà Nội",
    "Trường Đại học Y Hà Nội", "Trường Đại học Bách khoa Hà Nội", "Trường Đại học Xây dựng Hà Nội",
    "Học viện Nông nghiệp Việt Nam", "Học viện Tài chính", "Trường Đại học Thương mại",
]
FIELDS_OF_STUDY = [
    "Luật", "Hành chính học", "Kinh tế", "Kế toán", "Quản lý đất đai", "Xây dựng", "Sư phạm",
    "Y đa khoa", "Công nghệ thông tin", "Quản trị kinh doanh", "Văn hóa học", "Tài chính - Ngân hàng",
]

# Partner institution for abroad classes → country.
ABROAD_TOPICS = "quản trị công; phát triển đô thị; kinh nghiệm quốc tế"
