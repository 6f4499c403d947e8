"""The one error a submitted file's reader raises: its message, in Chinese, says what to do."""

SAVE_AS = "请用 Excel 打开后“另存为” .xlsx 再提交"


class UnreadableFile(ValueError):
    """The file cannot be read as a spreadsheet; the message says what to do, in Chinese."""
