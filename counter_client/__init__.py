"""The counter client (窗口终端): the PySide6 app clerks at comprehensive windows call and serve with."""
