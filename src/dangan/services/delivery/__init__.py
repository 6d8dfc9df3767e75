"""Delivery: packaging the delivery forms, the link data (数据挂接) and the handover bag."""
