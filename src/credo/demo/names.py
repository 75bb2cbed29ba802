"""Word lists the demo portfolio is built from (regions, names, industry words, banks).

Regions carry real GB/T 2260 district codes so that generated unified social credit codes and
resident ID numbers have a region part matching the customer's province and city.
"""

from __future__ import annotations

# (province code, weight, province abbreviation used in court case numbers,
#  [(city zh, city en, phone area code, [(district zh, GB/T 2260 code), ...]), ...])
# Municipalities list their districts directly under the city of the same name.
REGIONS: list[tuple[str, float, str, list[tuple[str, str, str, list[tuple[str, str]]]]]] = [
    ("11", 5, "京", [("北京市", "Beijing", "010", [
        ("东城区", "110101"), ("西城区", "110102"), ("朝阳区", "110105"), ("丰台区", "110106"),
        ("海淀区", "110108"), ("通州区", "110112"), ("顺义区", "110113"), ("大兴区", "110115")])]),
    ("12", 2, "津", [("天津市", "Tianjin", "022", [
        ("和平区", "120101"), ("河西区", "120103"), ("东丽区", "120110"), ("西青区", "120111"),
        ("滨海新区", "120116")])]),
    ("13", 3, "冀", [
        ("石家庄市", "Shijiazhuang", "0311", [("长安区", "130102"), ("裕华区", "130108")]),
        ("唐山市", "Tangshan", "0315", [("路北区", "130203")]),
        ("保定市", "Baoding", "0312", [("竞秀区", "130602")]),
        ("廊坊市", "Langfang", "0316", [("广阳区", "131003")])]),
    ("14", 1, "晋", [("太原市", "Taiyuan", "0351", [("小店区", "140105")])]),
    ("15", 1, "蒙", [
        ("呼和浩特市", "Hohhot", "0471", [("赛罕区", "150105")]),
        ("包头市", "Baotou", "0472", [("昆都仑区", "150203")])]),
    ("21", 2, "辽", [
        ("沈阳市", "Shenyang", "024", [("和平区", "210102"), ("浑南区", "210112")]),
        ("大连市", "Dalian", "0411", [("中山区", "210202"), ("甘井子区", "210211")])]),
    ("22", 1, "吉", [("长春市", "Changchun", "0431", [("朝阳区", "220104")])]),
    ("23", 1, "黑", [("哈尔滨市", "Harbin", "0451", [("南岗区", "230103")])]),
    ("31", 6, "沪", [("上海市", "Shanghai", "021", [
        ("黄浦区", "310101"), ("徐汇区", "310104"), ("长宁区", "310105"), ("静安区", "310106"),
        ("普陀区", "310107"), ("闵行区", "310112"), ("宝山区", "310113"), ("嘉定区", "310114"),
        ("浦东新区", "310115"), ("松江区", "310117")])]),
    ("32", 11, "苏", [
        ("南京市", "Nanjing", "025", [("玄武区", "320102"), ("鼓楼区", "320106"),
                                     ("江宁区", "320115")]),
        ("无锡市", "Wuxi", "0510", [("梁溪区", "320213"), ("新吴区", "320214")]),
        ("常州市", "Changzhou", "0519", [("新北区", "320411"), ("武进区", "320412")]),
        ("苏州市", "Suzhou", "0512", [("虎丘区", "320505"), ("吴中区", "320506"),
                                    ("姑苏区", "320508"), ("昆山市", "320583")]),
        ("南通市", "Nantong", "0513", [("崇川区", "320602")])]),
    ("33", 9, "浙", [
        ("杭州市", "Hangzhou", "0571", [("上城区", "330102"), ("西湖区", "330106"),
                                      ("滨江区", "330108"), ("萧山区", "330109"),
                                      ("余杭区", "330110")]),
        ("宁波市", "Ningbo", "0574", [("海曙区", "330203"), ("北仑区", "330206"),
                                    ("鄞州区", "330212")]),
        ("温州市", "Wenzhou", "0577", [("鹿城区", "330302"), ("瑞安市", "330381")]),
        ("嘉兴市", "Jiaxing", "0573", [("南湖区", "330402")]),
        ("绍兴市", "Shaoxing", "0575", [("越城区", "330602"), ("柯桥区", "330603")]),
        ("金华市", "Jinhua", "0579", [("婺城区", "330702"), ("义乌市", "330782")]),
        ("台州市", "Taizhou", "0576", [("椒江区", "331002")])]),
    ("34", 3, "皖", [
        ("合肥市", "Hefei", "0551", [("蜀山区", "340104"), ("包河区", "340111")]),
        ("芜湖市", "Wuhu", "0553", [("镜湖区", "340202")])]),
    ("35", 4, "闽", [
        ("福州市", "Fuzhou", "0591", [("鼓楼区", "350102"), ("仓山区", "350104")]),
        ("厦门市", "Xiamen", "0592", [("思明区", "350203"), ("湖里区", "350206")]),
        ("泉州市", "Quanzhou", "0595", [("丰泽区", "350503"), ("晋江市", "350582")])]),
    ("36", 1.5, "赣", [("南昌市", "Nanchang", "0791", [("东湖区", "360102")])]),
    ("37", 8, "鲁", [
        ("济南市", "Jinan", "0531", [("历下区", "370102"), ("市中区", "370103")]),
        ("青岛市", "Qingdao", "0532", [("市南区", "370202"), ("市北区", "370203"),
                                     ("黄岛区", "370211"), ("城阳区", "370214")]),
        ("烟台市", "Yantai", "0535", [("芝罘区", "370602")]),
        ("潍坊市", "Weifang", "0536", [("奎文区", "370705")]),
        ("临沂市", "Linyi", "0539", [("兰山区", "371302")])]),
    ("41", 4, "豫", [
        ("郑州市", "Zhengzhou", "0371", [("中原区", "410102"), ("金水区", "410105")]),
        ("洛阳市", "Luoyang", "0379", [("涧西区", "410305")])]),
    ("42", 4, "鄂", [
        ("武汉市", "Wuhan", "027", [("江岸区", "420102"), ("武昌区", "420106"),
                                  ("洪山区", "420111")]),
        ("宜昌市", "Yichang", "0717", [("西陵区", "420502")]),
        ("襄阳市", "Xiangyang", "0710", [("襄城区", "420602")])]),
    ("43", 3, "湘", [("长沙市", "Changsha", "0731", [("芙蓉区", "430102"), ("岳麓区", "430104")])]),
    ("44", 12, "粤", [
        ("广州市", "Guangzhou", "020", [("越秀区", "440104"), ("海珠区", "440105"),
                                      ("天河区", "440106"), ("白云区", "440111"),
                                      ("黄埔区", "440112"), ("番禺区", "440113")]),
        ("深圳市", "Shenzhen", "0755", [("罗湖区", "440303"), ("福田区", "440304"),
                                      ("南山区", "440305"), ("宝安区", "440306"),
                                      ("龙岗区", "440307"), ("龙华区", "440309")]),
        ("珠海市", "Zhuhai", "0756", [("香洲区", "440402")]),
        ("汕头市", "Shantou", "0754", [("龙湖区", "440507")]),
        ("佛山市", "Foshan", "0757", [("禅城区", "440604"), ("南海区", "440605"),
                                    ("顺德区", "440606")]),
        ("江门市", "Jiangmen", "0750", [("蓬江区", "440703")]),
        ("惠州市", "Huizhou", "0752", [("惠城区", "441302")]),
        ("东莞市", "Dongguan", "0769", [("", "441900")]),
        ("中山市", "Zhongshan", "0760", [("", "442000")])]),
    ("45", 1.5, "桂", [
        ("南宁市", "Nanning", "0771", [("青秀区", "450103")]),
        ("柳州市", "Liuzhou", "0772", [("城中区", "450202")])]),
    ("46", 0.5, "琼", [("海口市", "Haikou", "0898", [("龙华区", "460106")])]),
    ("50", 2.5, "渝", [("重庆市", "Chongqing", "023", [
        ("渝中区", "500103"), ("江北区", "500105"), ("九龙坡区", "500107"), ("渝北区", "500112")])]),
    ("51", 4, "川", [
        ("成都市", "Chengdu", "028", [("锦江区", "510104"), ("青羊区", "510105"),
                                    ("武侯区", "510107"), ("成华区", "510108"),
                                    ("双流区", "510116")]),
        ("绵阳市", "Mianyang", "0816", [("涪城区", "510703")])]),
    ("52", 1, "黔", [("贵阳市", "Guiyang", "0851", [("南明区", "520102"), ("观山湖区", "520115")])]),
    ("53", 1, "滇", [("昆明市", "Kunming", "0871", [("五华区", "530102"), ("盘龙区", "530103")])]),
    ("54", 0.2, "藏", [("拉萨市", "Lhasa", "0891", [("城关区", "540102")])]),
    ("61", 2, "陕", [("西安市", "Xi'an", "029", [("新城区", "610102"), ("碑林区", "610103"),
                                             ("雁塔区", "610113")])]),
    ("62", 0.6, "甘", [("兰州市", "Lanzhou", "0931", [("城关区", "620102")])]),
    ("63", 0.2, "青", [("西宁市", "Xining", "0971", [("城东区", "630102")])]),
    ("64", 0.3, "宁", [("银川市", "Yinchuan", "0951", [("兴庆区", "640104")])]),
    ("65", 0.8, "新", [("乌鲁木齐市", "Urumqi", "0991", [("天山区", "650102")])]),
]

# Brand syllables: (character, pinyin). Two of them make a trade name such as 恒达 / Hengda.
BRAND_FIRST = [
    ("恒", "Heng"), ("华", "Hua"), ("鑫", "Xin"), ("盛", "Sheng"), ("宏", "Hong"), ("泰", "Tai"),
    ("信", "Xin"), ("荣", "Rong"), ("顺", "Shun"), ("和", "He"), ("隆", "Long"), ("金", "Jin"),
    ("广", "Guang"), ("永", "Yong"), ("丰", "Feng"), ("兴", "Xing"), ("中", "Zhong"),
    ("天", "Tian"), ("嘉", "Jia"), ("瑞", "Rui"), ("新", "Xin"), ("创", "Chuang"),
    ("远", "Yuan"), ("博", "Bo"), ("海", "Hai"), ("东", "Dong"), ("润", "Run"), ("凯", "Kai"),
    ("亿", "Yi"), ("万", "Wan"), ("宝", "Bao"), ("诚", "Cheng"), ("安", "An"), ("德", "De"),
    ("汇", "Hui"), ("卓", "Zhuo"), ("锦", "Jin"), ("昌", "Chang"), ("富", "Fu"), ("众", "Zhong"),
    ("佳", "Jia"), ("立", "Li"), ("正", "Zheng"), ("明", "Ming"),
]
BRAND_SECOND = [
    ("达", "da"), ("源", "yuan"), ("通", "tong"), ("泰", "tai"), ("发", "fa"), ("祥", "xiang"),
    ("昌", "chang"), ("宇", "yu"), ("邦", "bang"), ("信", "xin"), ("盛", "sheng"), ("辉", "hui"),
    ("腾", "teng"), ("鸿", "hong"), ("业", "ye"), ("航", "hang"), ("诚", "cheng"), ("峰", "feng"),
    ("威", "wei"), ("科", "ke"), ("利", "li"), ("丰", "feng"), ("晟", "sheng"), ("联", "lian"),
    ("恒", "heng"), ("瑞", "rui"), ("展", "zhan"), ("合", "he"), ("益", "yi"), ("林", "lin"),
    ("华", "hua"), ("远", "yuan"), ("明", "ming"), ("捷", "jie"), ("越", "yue"), ("成", "cheng"),
    ("德", "de"), ("康", "kang"), ("宁", "ning"), ("川", "chuan"),
]
# Trade names with a meaning, used with a translated English name (foreign-invested firms).
BRAND_MEANINGFUL = [
    ("明洋", "Bright Ocean"), ("金桥", "Golden Bridge"), ("蓝海", "Blue Sea"),
    ("星河", "Star River"), ("青松", "Green Pine"), ("晨曦", "Morning Dawn"),
    ("远航", "Far Voyage"), ("红枫", "Red Maple"), ("银杉", "Silver Fir"),
    ("白鹭", "White Egret"), ("新月", "New Moon"), ("金帆", "Golden Sail"),
    ("绿洲", "Green Oasis"), ("朝阳", "Rising Sun"), ("恒星", "Fixed Star"),
    ("海燕", "Sea Swallow"), ("雪峰", "Snow Peak"), ("宏图", "Grand Vision"),
    ("云帆", "Cloud Sail"), ("锦绣", "Splendid Silk"), ("北辰", "North Star"),
    ("南山", "South Hill"), ("飞鸿", "Flying Swan"), ("清泉", "Clear Spring"),
]

# Division -> (weight, archetype, [(industry word zh, industry word en), ...], main products zh)
INDUSTRY_WORDS: dict[str, tuple[float, str, list[tuple[str, str]], str]] = {
    "01": (0.6, "primary", [("农业科技", "Agricultural Technology"), ("种植", "Plantation")],
           "蔬菜、水果、粮食作物"),
    "03": (0.5, "primary", [("牧业", "Animal Husbandry"), ("养殖", "Breeding")], "生猪、肉牛、禽蛋"),
    "06": (0.4, "heavy", [("煤业", "Coal"), ("矿业", "Mining")], "原煤、洗精煤"),
    "13": (1.5, "manufacturing", [("粮油", "Grain and Oil"), ("食品", "Food")], "食用油、大米、面粉"),
    "14": (1.5, "manufacturing", [("食品", "Foods"), ("乳业", "Dairy")], "休闲食品、乳制品、调味品"),
    "15": (1.0, "manufacturing", [("酒业", "Wine"), ("饮品", "Beverage"), ("茶业", "Tea")],
           "白酒、饮料、茶叶"),
    "17": (1.2, "manufacturing", [("纺织", "Textile")], "棉纱、坯布、面料"),
    "18": (1.5, "manufacturing", [("服饰", "Apparel"), ("制衣", "Garment")], "服装、服饰"),
    "19": (0.8, "manufacturing", [("鞋业", "Footwear"), ("皮具", "Leather Goods")], "皮鞋、运动鞋、箱包"),
    "21": (1.0, "manufacturing", [("家具", "Furniture"), ("家居", "Home Furnishing")], "板式家具、办公家具"),
    "22": (0.6, "manufacturing", [("纸业", "Paper")], "瓦楞纸、包装纸"),
    "23": (0.8, "manufacturing", [("印务", "Printing"), ("包装印刷", "Packaging and Printing")],
           "包装印刷品、标签"),
    "26": (2.5, "manufacturing", [("化工", "Chemical"), ("新材料", "New Materials")],
           "涂料、助剂、精细化学品"),
    "27": (1.5, "manufacturing", [("医药", "Pharmaceutical"), ("生物科技", "Biotechnology")],
           "化学药品制剂、中成药"),
    "29": (2.5, "manufacturing", [("塑胶", "Plastics"), ("橡塑制品", "Rubber and Plastic Products")],
           "注塑件、塑料薄膜、橡胶密封件"),
    "30": (2.0, "manufacturing", [("建材", "Building Materials"), ("陶瓷", "Ceramics"),
                                  ("玻璃", "Glass")], "水泥制品、瓷砖、建筑玻璃"),
    "31": (1.0, "heavy", [("钢铁", "Iron and Steel"), ("特钢", "Special Steel")], "螺纹钢、热轧卷板"),
    "32": (1.0, "heavy", [("铝业", "Aluminium"), ("铜业", "Copper")], "铝型材、铜杆、铜管"),
    "33": (3.0, "manufacturing", [("五金制品", "Hardware"), ("金属制品", "Metal Products")],
           "五金配件、紧固件、金属结构件"),
    "34": (3.5, "manufacturing", [("机械", "Machinery"), ("机电设备", "Electromechanical Equipment"),
                                  ("泵业", "Pump")], "通用机械、泵阀、轴承"),
    "35": (2.5, "manufacturing", [("智能装备", "Intelligent Equipment"),
                                  ("医疗器械", "Medical Devices")], "自动化生产线、专用设备"),
    "36": (2.5, "manufacturing", [("汽车零部件", "Auto Parts"), ("汽车配件", "Auto Accessories")],
           "汽车零部件、总成"),
    "38": (3.5, "manufacturing", [("电气", "Electric"), ("电器", "Electrical Appliances"),
                                  ("电缆", "Cable"), ("照明", "Lighting"),
                                  ("新能源", "New Energy")], "低压电器、电线电缆、照明灯具"),
    "39": (4.0, "manufacturing", [("电子科技", "Electronic Technology"), ("电子", "Electronics"),
                                  ("通信设备", "Communication Equipment"),
                                  ("光电", "Optoelectronics")], "电子元器件、电路板、通信模块"),
    "40": (1.0, "manufacturing", [("仪器仪表", "Instruments"),
                                  ("自动化仪表", "Automation Instruments")], "流量计、检测仪器"),
    "44": (0.6, "heavy", [("电力", "Power"), ("能源", "Energy")], "电力、热力"),
    "45": (0.4, "heavy", [("燃气", "Gas")], "管道燃气、液化天然气"),
    "47": (3.0, "construction", [("建设", "Construction"),
                                 ("建筑工程", "Construction Engineering")], "房屋建筑工程施工"),
    "48": (1.5, "construction", [("路桥工程", "Road and Bridge Engineering"),
                                 ("市政工程", "Municipal Engineering")], "道路、桥梁、市政工程"),
    "49": (1.0, "construction", [("机电安装", "Electromechanical Installation")], "机电设备安装工程"),
    "50": (2.0, "construction", [("装饰工程", "Decoration Engineering"),
                                 ("建筑装饰", "Building Decoration")], "室内外装饰装修工程"),
    "51": (14.0, "trade", [("贸易", "Trading"), ("商贸", "Commerce and Trade"),
                           ("供应链管理", "Supply Chain Management"),
                           ("进出口", "Import and Export"), ("物资", "Materials")],
           "钢材、化工原料、电子产品批发"),
    "52": (3.5, "trade", [("百货", "Department Store"), ("超市", "Supermarket"),
                          ("连锁商业", "Chain Retail")], "日用百货、食品零售"),
    "54": (3.0, "services", [("运输", "Transport"), ("物流", "Logistics")], "公路货物运输"),
    "55": (0.6, "services", [("海运", "Shipping")], "沿海及远洋货物运输"),
    "58": (1.5, "trade", [("国际货运代理", "International Freight Forwarding")], "货运代理、报关"),
    "59": (1.0, "services", [("仓储", "Warehousing")], "仓储、装卸"),
    "61": (0.6, "services", [("酒店管理", "Hotel Management")], "酒店住宿"),
    "62": (1.0, "services", [("餐饮管理", "Catering Management")], "餐饮、团餐"),
    "64": (1.5, "services", [("网络科技", "Network Technology"),
                             ("互联网科技", "Internet Technology")], "互联网平台服务"),
    "65": (3.0, "services", [("软件", "Software"), ("信息技术", "Information Technology"),
                             ("数据科技", "Data Technology")], "软件开发、系统集成"),
    "70": (1.0, "heavy", [("置业", "Real Estate"), ("房地产开发", "Real Estate Development")],
           "商品房开发与销售"),
    "71": (0.6, "heavy", [("融资租赁", "Financial Leasing"), ("设备租赁", "Equipment Leasing")],
           "设备融资租赁"),
    "72": (2.0, "services", [("企业管理咨询", "Management Consulting"),
                             ("人力资源", "Human Resources"), ("广告", "Advertising")],
           "管理咨询、人力资源服务、广告"),
    "74": (1.0, "services", [("工程设计", "Engineering Design"), ("检测", "Testing")],
           "工程设计、检验检测"),
    "75": (1.0, "services", [("科技", "Technology")], "技术开发、技术转让"),
    "77": (0.8, "services", [("环保科技", "Environmental Technology"),
                             ("环境工程", "Environmental Engineering")], "污水处理、固废处置"),
    "78": (0.4, "construction", [("园林绿化", "Landscaping")], "园林绿化工程"),
    "81": (0.4, "services", [("汽车维修", "Auto Repair")], "汽车维修保养"),
    "83": (0.4, "services", [("教育科技", "Education Technology"), ("培训", "Training")],
           "职业培训"),
    "87": (0.5, "services", [("影视文化", "Film and Television"), ("文化传媒", "Culture Media")],
           "影视制作、广告传媒"),
}

# Archetype -> (gross margin, asset turnover, days sales outstanding, days inventory,
#               non-current / current assets)
ARCHETYPES: dict[str, tuple[float, float, float, float, float]] = {
    "trade": (0.10, 2.4, 45, 35, 0.25),
    "manufacturing": (0.21, 1.0, 75, 70, 0.9),
    "construction": (0.12, 0.7, 120, 40, 0.35),
    "services": (0.35, 1.2, 50, 5, 0.6),
    "heavy": (0.25, 0.45, 40, 30, 2.5),
    "primary": (0.18, 0.8, 30, 60, 1.2),
}

SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
    ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"),
    ("彭", "Peng"), ("曾", "Zeng"), ("肖", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("袁", "Yuan"),
    ("潘", "Pan"), ("蒋", "Jiang"), ("蔡", "Cai"), ("余", "Yu"), ("杜", "Du"), ("叶", "Ye"),
    ("程", "Cheng"), ("苏", "Su"), ("魏", "Wei"), ("吕", "Lv"), ("丁", "Ding"), ("任", "Ren"),
    ("沈", "Shen"), ("姚", "Yao"), ("卢", "Lu"), ("钟", "Zhong"), ("谭", "Tan"), ("陆", "Lu"),
    ("范", "Fan"), ("金", "Jin"), ("廖", "Liao"), ("夏", "Xia"), ("方", "Fang"), ("欧阳", "Ouyang"),
]
GIVEN_NAME_CHARS = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("建", "jian"),
    ("国", "guo"), ("文", "wen"), ("玲", "ling"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"),
    ("鹏", "peng"), ("辉", "hui"), ("丹", "dan"), ("萍", "ping"), ("鑫", "xin"), ("婷", "ting"),
    ("志", "zhi"), ("红", "hong"), ("晓", "xiao"), ("海", "hai"), ("彬", "bin"), ("欣", "xin"),
    ("子", "zi"), ("嘉", "jia"), ("俊", "jun"), ("雪", "xue"), ("佳", "jia"), ("宁", "ning"),
]

STREET_NAMES = [
    "人民路", "解放路", "建设路", "中山路", "工业大道", "创业路", "高新路", "长江路", "黄河路",
    "新华路", "文化路", "滨河路", "迎宾大道", "东风路", "和平路", "胜利路", "光明路", "发展大道",
    "科技南路", "科技园路", "华夏路", "金融街", "朝阳路", "环城东路", "商贸大道", "经济开发区大道",
]
BUILDING_WORDS = ["大厦", "中心", "广场", "科技园", "产业园", "商务楼"]

BANKS = [
    ("中国工商银行", 14), ("中国建设银行", 13), ("中国农业银行", 10), ("中国银行", 10),
    ("交通银行", 6), ("招商银行", 7), ("兴业银行", 5), ("上海浦东发展银行", 4),
    ("中信银行", 4), ("中国民生银行", 4), ("平安银行", 4), ("中国光大银行", 3),
    ("华夏银行", 2), ("广发银行", 2), ("农村商业银行", 6), ("城市商业银行", 6),
]

# Fictional audit firms (the demo must not suggest a real firm audited a fictional company).
AUDITORS = [
    "华正会计师事务所(特殊普通合伙)", "信达永会计师事务所有限公司", "中和明会计师事务所(特殊普通合伙)",
    "立诚会计师事务所有限公司", "天衡远会计师事务所(特殊普通合伙)",
]

MARKET_REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北", "出口"]

LAWSUIT_CAUSES = [
    "买卖合同纠纷", "借款合同纠纷", "建设工程施工合同纠纷", "承揽合同纠纷", "劳动争议",
    "租赁合同纠纷", "服务合同纠纷", "票据追索权纠纷",
]
PENALTY_KINDS = [
    ("环保行政处罚", "生态环境局"), ("市场监管行政处罚", "市场监督管理局"),
    ("安全生产行政处罚", "应急管理局"), ("海关行政处罚", "海关"),
]
HONOURS = [
    ("高新技术企业认定", "科学技术局"), ("专精特新中小企业认定", "工业和信息化局"),
    ("纳税信用A级纳税人", "税务局"), ("守合同重信用企业", "市场监督管理局"),
]
MANAGER_TITLES = ["董事长", "执行董事", "总经理", "副总经理", "财务总监", "财务负责人", "监事"]
