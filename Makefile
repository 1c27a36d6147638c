# Teeth: build, test, demo, benchmarks. Every target installs what it needs, idempotently.
SHELL := /bin/bash
BUN := node_modules/.bin/bun
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages the tests and demo use (real peers, real tools).
DEBS := util-linux fdisk gdisk nvme-cli hdparm e2fsprogs dosfstools parted openssl curl xz-utils zstd gzip tar \
        pciutils dmidecode ipmitool kmod iproute2 procps qemu-utils qemu-system-x86 nginx time jq \
        ironic-api ironic-conductor python3-ironicclient openipmi dnsmasq-base ovmf ipxe

.PHONY: all deps npm-deps debs build test demo bench-image bench-conductor bench-agent typecheck clean plugins ramdisk

all: build

npm-deps: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi; \
	  apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $$missing; \
	  rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi

deps: npm-deps debs

dist/teeth: npm-deps $(shell find main.ts agent machine common conductor hardware-managers protocol -name '*.ts' ! -name '*.test.ts' 2>/dev/null) package.json
	@mkdir -p dist
	$(BUN) build main.ts --compile --target=bun-linux-x64-baseline \
	  --no-compile-autoload-dotenv --no-compile-autoload-bunfig --outfile dist/teeth

build: dist/teeth

# The RAM disk the agent boots in: build/ramdisk/vmlinuz + initramfs.img, from Debian packages.
.PHONY: ramdisk
ramdisk: deps build plugins
	bash image-build/build-ramdisk.sh

# Vendor plugins bundled as self-contained .js files (loaded at runtime by the agent).
plugins: npm-deps
	@mkdir -p dist/hardware-managers
	$(BUN) build hardware-managers/example-vendor/index.ts --target=bun --format=esm \
	  --outfile dist/hardware-managers/example-vendor.js

typecheck: npm-deps
	node_modules/.bin/tsc --noEmit -p tsconfig.json

test: deps build plugins typecheck
	bash test/run-all.sh

demo: deps build plugins
	bash test/demo.sh

bench-image: deps build
	bash bench/image-write/run.sh

bench-conductor: deps build
	bash bench/conductor-scale/run.sh

bench-agent: deps build
	$(BUN) bench/agent-startup/run.ts

clean:
	rm -rf dist build .bench
