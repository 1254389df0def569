################################################################################
#
# bpfbin
#
################################################################################

BPFBIN_VERSION = 0.1.0
# scripts/dist.sh's source tarball: the workspace plus prebuilt/ebpf/<target>/,
# the eBPF objects Buildroot's Rust cannot build (no bpf-linker). At download
# time the cargo post-process vendors the crates into it (cargo vendor), so
# the build runs --offline --locked.
BPFBIN_SITE = $(or $(call qstrip,$(BR2_PACKAGE_BPFBIN_RELEASE_SITE)),file://$(BR2_EXTERNAL_BPFBIN_PATH)/../dist/release)
BPFBIN_SOURCE = bpfbin-$(BPFBIN_VERSION)-src.tar.gz
BPFBIN_LICENSE = MIT or Apache-2.0

# The object depends on the architecture only (pointer and syscall slot
# sizes), not on the libc: the musl targets' objects serve any libc.
ifeq ($(BR2_x86_64),y)
BPFBIN_EBPF_TARGET = x86_64-unknown-linux-musl
else ifeq ($(BR2_aarch64),y)
BPFBIN_EBPF_TARGET = aarch64-unknown-linux-musl
else ifeq ($(BR2_arm),y)
BPFBIN_EBPF_TARGET = armv7-unknown-linux-musleabihf
endif

# tools/bpfbin-build copies BPFBIN_EBPF_DIR/<tool> instead of running
# aya-build. cargo-package's build step builds the workspace's default
# members: every tool, not the eBPF crates.
BPFBIN_CARGO_ENV = BPFBIN_EBPF_DIR=$(BPFBIN_SRCDIR)/prebuilt/ebpf/$(BPFBIN_EBPF_TARGET)

BPFBIN_PROFILE_DIR = $(if $(BR2_ENABLE_DEBUG),debug,release)

# cargo-package's default install (cargo install --path .) cannot install
# from a workspace root. Every tools/<tool>/src/main.rs is a tool, as in
# scripts/build.sh; tools/bpfbin is the shared library.
define BPFBIN_INSTALL_TARGET_CMDS
	for m in $(BPFBIN_SRCDIR)/tools/*/src/main.rs; do \
		t=$${m#$(BPFBIN_SRCDIR)/tools/}; t=$${t%%/*}; \
		[ "$$t" = bpfbin ] && continue; \
		$(INSTALL) -D -m 0755 \
			$(BPFBIN_SRCDIR)/target/$(RUSTC_TARGET_NAME)/$(BPFBIN_PROFILE_DIR)/$$t \
			$(TARGET_DIR)/usr/sbin/$$t || exit 1; \
	done
	$(INSTALL) -D -m 0755 $(BPFBIN_SRCDIR)/scripts/check-btf.sh \
		$(TARGET_DIR)/usr/sbin/check-btf.sh
endef

$(eval $(cargo-package))
