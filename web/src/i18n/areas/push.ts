/** Messages of the subscriptions page: Vietnamese first, then English with exactly the same keys. */
export const pushVi = {
  'nav.push': 'Đăng ký nhận dữ liệu',
  'push.title': 'Đăng ký nhận dữ liệu',
  'push.intro':
    'Các hệ thống khai thác đăng ký để nền tảng tự gửi thay đổi của bộ dữ liệu tới địa chỉ nhận của mình. Mỗi lần gửi được quyết định lại theo thỏa thuận, lọc theo trường được cấp và ghi nhật ký chia sẻ.',
  'push.replay.note':
    'Chỉ hệ thống khai thác được yêu cầu gửi lại dữ liệu (qua giao diện lập trình API). Để dừng việc gửi, cơ quan chủ quản tạm ngừng kết nối hoặc chấm dứt thỏa thuận.',
  'push.filter.state': 'Lọc theo trạng thái',
  'push.filter.dataset': 'Lọc theo mã bộ dữ liệu',
  'push.col.dataset': 'Bộ dữ liệu',
  'push.col.system': 'Hệ thống khai thác',
  'push.col.url': 'Địa chỉ nhận',
  'push.col.state': 'Trạng thái',
  'push.col.sent': 'Đã gửi',
  'push.col.success': 'Gửi thành công gần nhất',
  'push.col.failure': 'Lỗi gần nhất',
  'push.col.failures': 'Số lỗi liên tiếp',
  'push.col.next': 'Lần gửi tới',
  'push.state.active': 'Đang hoạt động',
  'push.state.paused': 'Tạm dừng',
  'push.state.disabled': 'Bị vô hiệu',
  'push.state.deleted': 'Đã huỷ',
  'push.empty': 'Chưa có đăng ký nào',
  'push.never': 'Chưa có',
};

export const pushEn: Record<keyof typeof pushVi, string> = {
  'nav.push': 'Subscriptions',
  'push.title': 'Subscriptions',
  'push.intro':
    'Consumer systems subscribe to a dataset’s changes by webhook. Each delivery is decided again under the agreement, shaped to the granted fields and written to the sharing log.',
  'push.replay.note':
    'Only the consumer system replays data (through the API). To stop deliveries, the custodian suspends the connection or terminates the agreement.',
  'push.filter.state': 'Filter by state',
  'push.filter.dataset': 'Filter by dataset code',
  'push.col.dataset': 'Dataset',
  'push.col.system': 'Consumer system',
  'push.col.url': 'Receiver URL',
  'push.col.state': 'State',
  'push.col.sent': 'Sent',
  'push.col.success': 'Last success',
  'push.col.failure': 'Last failure',
  'push.col.failures': 'Failures in a row',
  'push.col.next': 'Next attempt',
  'push.state.active': 'Active',
  'push.state.paused': 'Paused',
  'push.state.disabled': 'Disabled',
  'push.state.deleted': 'Deleted',
  'push.empty': 'No subscriptions yet',
  'push.never': 'Never',
};
