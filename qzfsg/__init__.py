"""qzfsg: the clerk's tool for 汨罗市's 2018 “强执法防事故” monthly returns."""

__version__ = "0.1.0"
