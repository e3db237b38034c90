/**
 * The rule behind each deadline the platform computes, returned beside the deadline so an official
 * (or an auditor) sees which clause was applied and how the period was counted, not only a date.
 */
export interface DeadlineBasis {
  /** The requirement id (REQUIREMENTS.md), e.g. `R-15.5`. */
  requirement: string;
  /** The clauses applied: the Regulation's, and the Civil Code's for periods counted in days. */
  clause: string;
  text_vi: string;
  text_en: string;
}

const REGULATION = 'Quy định 384-QĐ/TW';
const CIVIL_CODE = 'Bộ luật Dân sự 2015 Điều 147, 148';

export const DEADLINE_BASIS = {
  /** a planned stop starts at the earliest the day after the 7th working day after its announcement. */
  plannedStart: {
    requirement: 'R-15.3',
    clause: `Điều 15 khoản 3 ${REGULATION}`,
    text_vi:
      'Thông báo công khai ít nhất 7 ngày làm việc trước khi tạm ngừng: không tính ngày thông báo và các ngày nghỉ, ngày lễ; sớm nhất được tạm ngừng từ ngày sau ngày làm việc thứ 7.',
    text_en:
      'Announced publicly at least 7 working days ahead: the announcement day, weekends and public holidays not counted; the stop may start on the day after the 7th working day at the earliest.',
  },
  /** 24 hours from the stop, counted in hours (days off included). */
  forceMajeureNotice: {
    requirement: 'R-15.4',
    clause: `Điều 15 khoản 4 ${REGULATION}`,
    text_vi: 'Thông báo công khai trong vòng 24 giờ kể từ thời điểm ngừng cung cấp dịch vụ; thời hạn tính theo giờ, kể cả ngày nghỉ.',
    text_en: 'Announced publicly within 24 hours of the moment the service stopped; counted in hours, days off included.',
  },
  /** 1 day from the finding, a period in days (Civil Code Art. 147, 148). */
  consumerNotice: {
    requirement: 'R-15.5',
    clause: `Điều 15 khoản 5 ${REGULATION}; ${CIVIL_CODE}`,
    text_vi:
      'Chậm nhất 1 ngày kể từ thời điểm xác định vi phạm: thời hạn bắt đầu từ ngày tiếp theo và kết thúc lúc 24 giờ ngày cuối; ngày cuối là ngày nghỉ thì kết thúc vào ngày làm việc tiếp theo.',
    text_en:
      'At the latest 1 day from when the violation is determined: the period starts on the next day and ends at 24:00 of its last day; a last day that is a day off moves to the next working day.',
  },
  /** R-16.1(đ): 30 days from when the consumer received the notice (Civil Code Art. 147, 148). */
  remedy: {
    requirement: 'R-16.1(đ)',
    clause: `Điều 16 khoản 1 điểm đ ${REGULATION}; ${CIVIL_CODE}`,
    text_vi:
      '30 ngày kể từ khi bên khai thác nhận được thông báo (lần sớm nhất thông báo được đọc trong hộp thư hoặc được gửi thành công tới địa chỉ nhận thông báo tự động): bắt đầu từ ngày tiếp theo ngày nhận; ngày cuối là ngày nghỉ thì kết thúc vào ngày làm việc tiếp theo; được chấm dứt từ ngày sau ngày kết thúc. Chưa nhận thì thời hạn chưa bắt đầu.',
    text_en:
      '30 days from when the consumer received the notice (the earliest of its being read in the inbox and its webhook delivery): counted from the day after receipt; a last day that is a day off moves to the next working day; termination is possible from the day after. Not received: the period has not started.',
  },
} as const satisfies Record<string, DeadlineBasis>;
