include $(sort $(wildcard $(BR2_EXTERNAL_BPFBIN_PATH)/package/*/*.mk))
