"""The service catalogue: window categories and matters (事项) with the 12 standard elements.

Code tables are those of GB/T 39046-2020 附录A (type A.1, level A.2, service object A.4). Code lengths are
validated by the server against its configuration; the contract only checks their alphabet.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText


class MatterType(StrEnum):
    """事项类型代码, GB/T 39046 A.1."""

    ADMINISTRATIVE_POWER = "00"  # 行政权力事项
    LICENSING = "01"  # 行政许可
    PENALTY = "02"  # 行政处罚
    COMPULSION = "03"  # 行政强制
    LEVY = "04"  # 行政征收
    BENEFIT = "05"  # 行政给付
    INSPECTION = "06"  # 行政检查
    CONFIRMATION = "07"  # 行政确认
    REWARD = "08"  # 行政奖励
    ADJUDICATION = "09"  # 行政裁决
    OTHER_POWER = "10"  # 其他行政权力
    PUBLIC_SERVICE = "20"  # 公共服务事项


MATTER_TYPE_NAMES: dict[MatterType, str] = {
    MatterType.ADMINISTRATIVE_POWER: "行政权力事项",
    MatterType.LICENSING: "行政许可",
    MatterType.PENALTY: "行政处罚",
    MatterType.COMPULSION: "行政强制",
    MatterType.LEVY: "行政征收",
    MatterType.BENEFIT: "行政给付",
    MatterType.INSPECTION: "行政检查",
    MatterType.CONFIRMATION: "行政确认",
    MatterType.REWARD: "行政奖励",
    MatterType.ADJUDICATION: "行政裁决",
    MatterType.OTHER_POWER: "其他行政权力",
    MatterType.PUBLIC_SERVICE: "公共服务",
}


class Level(StrEnum):
    """行使层级代码, GB/T 39046 A.2 (also the level of a hall)."""

    NATIONAL = "1"  # 国家级
    PROVINCE = "2"  # 省级
    CITY = "3"  # 市级
    COUNTY = "4"  # 县级
    TOWNSHIP = "5"  # 镇（乡、街道）级
    VILLAGE = "6"  # 村（社区）级
    TIERED = "7"  # 分级管理


LEVEL_NAMES: dict[Level, str] = {
    Level.NATIONAL: "国家级",
    Level.PROVINCE: "省级",
    Level.CITY: "市级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "镇（乡、街道）级",
    Level.VILLAGE: "村（社区）级",
    Level.TIERED: "分级管理",
}


class ServiceObject(StrEnum):
    """服务对象代码, GB/T 39046 A.4."""

    NATURAL_PERSON = "1"  # 自然人
    ENTERPRISE = "2"  # 企业法人
    INSTITUTION = "3"  # 事业法人
    SOCIAL_ORGANISATION = "4"  # 社会组织法人
    GOVERNMENT = "5"  # 行政机关
    OTHER = "6"  # 其他组织


class TimeUnit(StrEnum):
    WORKING_DAY = "WORKING_DAY"  # 工作日
    NATURAL_DAY = "NATURAL_DAY"  # 自然日


class CaseType(StrEnum):
    """办件类型, GB/T 39046 A.6."""

    IMMEDIATE = "1"  # 即办件
    PROMISED = "2"  # 承诺件
    OTHER = "9"  # 其他


class MaterialForm(StrEnum):
    ORIGINAL = "ORIGINAL"  # 原件
    COPY = "COPY"  # 复印件
    ORIGINAL_AND_COPY = "ORIGINAL_AND_COPY"  # 原件及复印件
    ORIGINAL_VERIFY = "ORIGINAL_VERIFY"  # 原件核验，不收取
    ELECTRONIC = "ELECTRONIC"  # 电子材料


class ResultType(StrEnum):
    CERTIFICATE = "CERTIFICATE"  # 证照
    APPROVAL_DOCUMENT = "APPROVAL_DOCUMENT"  # 批准文书
    FILING = "FILING"  # 备案、登记回执
    PAYMENT = "PAYMENT"  # 给付（发放）
    OTHER = "OTHER"  # 其他


CODE_ALPHABET = r"^[0-9A-Z]+$"


class TimeLimit(Model):
    value: int | None = Field(ge=0, le=3650, description="0 = 当场办结; None = 法律法规未设定时限")
    unit: TimeUnit = TimeUnit.WORKING_DAY
    note: FreeText = Field(default="", max_length=500)


class ProcessStep(Model):
    name: FreeText = Field(min_length=1, max_length=50)
    description: FreeText = Field(default="", max_length=1000)


class FormTemplate(Model):
    """申请表单 or a material's template: a name and where the blank form is (file in the hall, URL)."""

    name: FreeText = Field(min_length=1, max_length=200)
    file: FreeText = Field(default="", max_length=500, description="模板文件名或下载地址")


class Material(Model):
    name: FreeText = Field(min_length=1, max_length=200)
    required: bool = True
    form: MaterialForm = MaterialForm.ORIGINAL
    original_count: int = Field(default=1, ge=0, le=99)
    copy_count: int = Field(default=0, ge=0, le=99)
    obtainable_by_sharing: bool = Field(default=False, description="可通过数据共享获取：申请人无需提交（R6）")
    issuing_org: FreeText = Field(default="", max_length=200, description="出具机构")
    notes: FreeText = Field(default="", max_length=1000, description="材料说明（填写要求、免提交情形等）")
    template: FormTemplate | None = None


class FeeItem(Model):
    name: FreeText = Field(min_length=1, max_length=200)
    amount_yuan: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    basis: FreeText = Field(default="", max_length=1000)


class Fees(Model):
    charged: bool = False
    items: list[FeeItem] = Field(default_factory=list)
    basis: FreeText = Field(default="", max_length=2000, description="收费依据；不收费时可写“不收费”")


class Result(Model):
    type: ResultType
    name: FreeText = Field(min_length=1, max_length=100, description="结果名称")
    delivery: FreeText = Field(default="", max_length=200, description="领取方式：窗口领取、邮寄等")


CATEGORY_CODE = r"^[A-Z_]{2,32}$"


class CategoryIn(Model):
    code: str = Field(pattern=CATEGORY_CODE)
    name: FreeText = Field(min_length=1, max_length=50)
    prefix: str = Field(pattern=r"^[A-Z]$", description="票号前缀字母")
    description: FreeText = Field(default="", max_length=500)
    default_service_minutes: float = Field(default=8.0, gt=0, le=240)
    sort_order: int = 0


class CategoryOut(OutModel):
    id: int
    code: str
    name: str
    prefix: str
    description: str
    default_service_minutes: float
    sort_order: int


class MatterIn(Model):
    """A matter with all 12 elements: 编码、名称、类型、设定依据、权限范围、办理时限、办理流程、办理条件、
    申请材料、申请表单、收费标准、办理结果."""

    # 1 编码
    catalog_code: str = Field(pattern=CODE_ALPHABET, description="基本编码 (12)")
    task_code: str = Field(
        pattern=CODE_ALPHABET, description="实施编码 (31) = 实施主体代码 + 层级 + 基本编码"
    )
    handle_item_code: str | None = Field(
        default=None, pattern=CODE_ALPHABET, description="业务办理项编码 (33)"
    )
    local_code: FreeText = Field(default="", max_length=64)
    # 2 名称
    name: FreeText = Field(min_length=2, max_length=200)
    # 3 类型
    type: MatterType
    # 4 设定依据
    legal_basis: FreeText = Field(min_length=1, max_length=4000)
    # 5 权限范围
    level: Level
    implementing_org: FreeText = Field(min_length=1, max_length=100, description="实施主体")
    implementing_org_uscc: str = Field(description="实施主体统一社会信用代码")
    authority_scope: FreeText = Field(default="", max_length=1000, description="权限划分 / 行使内容")
    service_objects: list[ServiceObject] = Field(min_length=1)
    # 6 办理时限
    legal_limit: TimeLimit
    promised_limit: TimeLimit
    case_type: CaseType
    # 7 办理流程
    process_steps: list[ProcessStep] = Field(min_length=1)
    # 8 办理条件
    conditions: FreeText = Field(min_length=1, max_length=4000, description="受理条件")
    quantity_limit: FreeText = Field(default="", max_length=200, description="数量限制")
    # 9 申请材料
    materials: list[Material] = Field(default_factory=list)
    # 10 申请表单
    application_form: FormTemplate | None = None
    # 11 收费标准
    fees: Fees
    # 12 办理结果
    result: Result
    # hall attributes
    category_code: str
    high_frequency: bool = False
    one_visit: bool = Field(default=False, description="最多跑一次")
    online_available: bool = Field(default=False, description="可网上办理")
    appointment_available: bool = True
    handle_location: FreeText = Field(default="", max_length=100)
    handle_hours: FreeText = Field(default="", max_length=150)
    consult_phone: str = Field(default="", max_length=50)
    supervise_phone: str = Field(default="", max_length=50)
    service_minutes: float | None = Field(default=None, gt=0, le=240, description="窗口平均办理时长估计")


class MatterSummary(OutModel):
    id: int
    catalog_code: str
    name: str
    type: MatterType
    category_code: str
    high_frequency: bool
    one_visit: bool
    online_available: bool
    pinyin_initials: str


class MatterOut(MatterIn):
    """A matter as served: everything given plus its id and derived search keys."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int
    pinyin_initials: str
    type_name: str
    level_name: str
    materials_to_bring: int = Field(description="需要申请人携带的材料数（排除可共享获取的）")


class HallMatterIn(Model):
    """This hall offers a matter of the regional catalogue: in which of its categories, whether now."""

    category_code: str = Field(pattern=CATEGORY_CODE, description="本大厅的窗口类别编码")
    enabled: bool = True
    sort_order: int = Field(default=0, ge=0, le=9999)


class HallMatterOut(OutModel):
    """A matter of the regional catalogue as this hall offers it (`offered` false: not offered here)."""

    matter_id: int
    catalog_code: str
    name: str
    offered: bool
    category_code: str | None = None
    category_name: str | None = None
    enabled: bool = False
    sort_order: int = 0
