"""HallBus/1, Yimen's framed serial protocol for window LED screens and keypad raters.

`codec` holds the frame layout, the CRC and the command table (pure bytes <-> values); `master` is the hall
PC's side over pyserial; `simulator` is the device side used by the simulators; `device` opens a device by
URL.
"""
