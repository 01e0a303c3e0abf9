// Seeded generator of realistic recognised-text lines (Chinese signs, menus, receipts, screenshots, English
// captions, mixed lines with prices, dates and codes) for the text-index bench and tests. Not for the app.

const ZH_WORDS = (
  '欢迎光临 营业时间 会员专享 限时优惠 新品上市 全场五折 买一送一 今日特价 收银台 出口 入口 停车场 卫生间 电梯 安全出口 禁止吸烟 ' +
  '小心地滑 请勿触摸 温馨提示 服务中心 客服热线 地址 电话 微信 支付宝 扫码支付 发票 订单 编号 日期 时间 数量 单价 金额 合计 ' +
  '找零 现金 银行卡 会议纪要 项目进度 工作安排 产品说明 使用方法 注意事项 保质期 生产日期 配料表 营养成分 能量 蛋白质 脂肪 ' +
  '碳水化合物 钠 中国 北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 重庆 天津 苏州 火车站 飞机场 地铁站 公交车站 高速公路 ' +
  '人民医院 第一中学 实验小学 图书馆 博物馆 美术馆 体育馆 电影院 超市 便利店 药店 餐厅 咖啡 奶茶 面包 蛋糕 水果 蔬菜 牛肉面 ' +
  '小笼包 火锅 烧烤 麻辣烫 早餐 午餐 晚餐 外卖 堂食 打包 招聘 店员 厨师 服务员 经理 待遇从优 包吃包住 联系人 王先生 李女士 ' +
  '张经理 刘老师 陈医生 生日快乐 新年快乐 恭喜发财 万事如意 身体健康 学习进步 谢谢 你好 再见 朋友 家人 孩子 老师 学生 ' +
  '公司 集团 有限公司 股份 科技 发展 建设 银行 保险 证券 农业 工商 邮政 快递 物流 仓库 工厂 办公室 会议室 前台 财务部 ' +
  '人事部 市场部 技术部 研发中心 质量检测 合格证 检验员 说明书 保修卡 充电器 数据线 耳机 手机 电脑 平板 显示器 键盘 鼠标 ' +
  '打印机 路由器 密码 账号 登录 注册 设置 通知 消息 朋友圈 视频 照片 相册 音乐 地图 导航 天气 晴天 多云 小雨 大雪 温度 ' +
  '湿度 空气质量 风力 春节 中秋节 国庆节 端午节 元宵节 清明节 放假通知 值班表 排班 考勤 工资 奖金 报销 预算 合同 协议 ' +
  '签字 盖章 身份证 护照 驾驶证 户口本 结婚证 毕业证 学位证 录取通知书 成绩单 课程表 作业 考试 复习 答案 第一章 第二节 ' +
  '练习题 选择题 填空题 判断题 山水 风景 长城 故宫 西湖 黄山 泰山 长江 黄河 大海 沙滩 森林 草原 沙漠 雪山 寺庙 古镇'
).split(' ');

const EN_WORDS = (
  'welcome open closed hours monday tuesday wednesday thursday friday saturday sunday coffee tea breakfast lunch ' +
  'dinner menu special today fresh bread cake pizza burger salad soup chicken beef pork fish rice noodles price total ' +
  'cash card change receipt thank you for your visit please come again exit entrance parking restroom elevator stairs ' +
  'emergency no smoking caution wet floor do not touch information center customer service hotline address phone email ' +
  'website street road avenue lane boulevard square park station airport terminal gate platform train bus subway taxi ' +
  'hotel room reception lobby floor meeting agenda project schedule deadline report summary budget invoice order number ' +
  'date time quantity amount discount sale new arrival limited offer free shipping members only bank insurance office ' +
  'hospital school library museum gallery theater cinema market pharmacy bakery bookstore flowers garden history ' +
  'established founded borough council london paris tokyo new york shanghai beijing hong kong singapore sydney berlin ' +
  'happy birthday merry christmas good morning best wishes congratulations graduation wedding family friends photo ' +
  'vacation beach mountain river lake forest sunset sunrise weather sunny cloudy rain snow temperature battery charger ' +
  'password wifi network login settings download upload share message notification calendar contacts camera gallery'
).split(' ');

export type Rng = () => number;

/** A small seeded PRNG (LCG); the same seed gives the same corpus on every machine. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

function zhLine(rng: Rng): string {
  const n = int(rng, 1, 5);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(rng, ZH_WORDS));
  return words.join(rng() < 0.3 ? ' ' : '');
}

function enLine(rng: Rng): string {
  const n = int(rng, 1, 6);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(rng, EN_WORDS));
  const s = words.join(' ');
  const r = rng();
  return r < 0.3 ? s.toUpperCase() : r < 0.6 ? s.replace(/\b\w/g, (c) => c.toUpperCase()) : s;
}

function figure(rng: Rng): string {
  switch (int(rng, 0, 5)) {
    case 0: return `¥${int(rng, 1, 999)}.${int(rng, 0, 9)}0`;
    case 1: return `$${int(rng, 1, 99)}.${String(int(rng, 0, 99)).padStart(2, '0')}`;
    case 2: return `${int(rng, 2015, 2025)}年${int(rng, 1, 12)}月${int(rng, 1, 28)}日`;
    case 3: return `${String(int(rng, 0, 23)).padStart(2, '0')}:${String(int(rng, 0, 59)).padStart(2, '0')}`;
    case 4: return `${int(rng, 100, 999)}-${int(rng, 1000, 9999)}-${int(rng, 1000, 9999)}`;
    default: return `${String.fromCharCode(65 + int(rng, 0, 25))}${int(rng, 1000, 99999)}`;
  }
}

/** One line as OCR would return it: Chinese, English, or mixed with figures. */
export function corpusLine(rng: Rng): string {
  const r = rng();
  if (r < 0.45) return zhLine(rng);
  if (r < 0.75) return enLine(rng);
  if (r < 0.9) return `${zhLine(rng)} ${figure(rng)}`;
  return `${enLine(rng)} ${figure(rng)}`;
}

/** Lines for one text-bearing photo: 1 to ~30, about `mean` on average (geometric-like spread). */
export function corpusPhoto(rng: Rng, mean = 10): string[] {
  const n = Math.max(1, Math.min(60, Math.round(-Math.log(1 - rng() * 0.999) * mean)));
  return Array.from({ length: n }, () => corpusLine(rng));
}

export { EN_WORDS as CORPUS_EN_WORDS, ZH_WORDS as CORPUS_ZH_WORDS };
