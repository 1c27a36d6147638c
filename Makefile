# Teeth: build, test, demo, benchmarks. Every target installs what it needs, idempotently.
SHELL := /bin/bash
BUN := node_modules/.bin/bun
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages the tests and demo use (real peers, real tools).
DEBS := util-linux fdisk gdisk nvme-cli hdparm e2fsprogs dosfstools parted openssl curl xz-utils zstd gzip tar \
        pciutils dmidecode ipmitool kmod iproute2 procps qemu-utils qemu-system-x86 nginx time jq \
        ironic-api ironic-conductor python3-ironicclient python3-openstacksdk openipmi dnsmasq-base ovmf ipxe mtools cpio kexec-tools \
        golang-go golang-github-gophercloud-gophercloud-dev

.PHONY: all deps npm-deps debs build test demo demo-host lab-up lab-down bench-image bench-conductor bench-agent bench-deploy typecheck clean plugins ramdisk os-image

all: build

# The stamp npm writes after an install: rebuilt (npm ci) only when package*.json change.
# A node_modules that is a symlink (a git worktree sharing another checkout's) is left alone:
# npm ci would replace the link, or empty the directory it points to.
npm-deps: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	@if [ -L node_modules ]; then echo "node_modules is a symlink ($$(readlink node_modules)): not running npm ci"; \
	else npm ci --no-audit --no-fund && touch $@; fi

debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=1; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi; \
	  apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $$missing; \
	  rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi

deps: npm-deps debs

# Sources of the binary. The npm stamp is a file prerequisite, not the phony npm-deps, so a
# second `make build` does nothing, and a new install or a changed source rebuilds.
TEETH_SOURCES := $(shell find main.ts agent machine common conductor cli hardware-managers protocol -name '*.ts' ! -name '*.test.ts' 2>/dev/null)

dist/teeth: node_modules/.package-lock.json $(TEETH_SOURCES) package.json
	@mkdir -p dist
	$(BUN) build main.ts --compile --target=bun-linux-x64-baseline \
	  --no-compile-autoload-dotenv --no-compile-autoload-bunfig --outfile dist/teeth

build: dist/teeth

# The RAM disk the agent boots in: build/ramdisk/vmlinuz + initramfs.img, from Debian packages.
.PHONY: ramdisk
ramdisk: deps build plugins
	bash image-build/build-ramdisk.sh

# The OS image a deploy writes (issue 13's virtual rack): build/os-image/teeth-os.{raw,qcow2,raw.zst},
# from Debian packages; rebuilt only when its inputs changed (OS_IMAGE_ID=... picks the image id).
os-image: debs
	bash image-build/build-os-image.sh

# Vendor plugins bundled as self-contained .js files (loaded at runtime by the agent).
PLUGIN_SOURCES := $(shell find hardware-managers/example-vendor hardware-managers/contract machine/host-fs.ts common protocol -name '*.ts' ! -name '*.test.ts' 2>/dev/null)

plugins: dist/hardware-managers/example-vendor.js
dist/hardware-managers/example-vendor.js: node_modules/.package-lock.json $(PLUGIN_SOURCES)
	@mkdir -p dist/hardware-managers
	$(BUN) build hardware-managers/example-vendor/index.ts --target=bun --format=esm \
	  --outfile dist/hardware-managers/example-vendor.js

typecheck: npm-deps
	node_modules/.bin/tsc --noEmit -p tsconfig.json

test: deps build plugins typecheck
	bash test/run-all.sh

# The lab demo (test/demo.sh): QEMU servers provisioned through their BMCs and the network.
demo: deps build plugins
	bash test/demo.sh

# The host-only demo: the agent runs on this machine against a loop device (no QEMU).
demo-host: deps build plugins
	bash test/demo-host.sh

# The virtual rack (test/lab/README.md): QEMU servers behind ipmi_sim BMCs and the conductor,
# all inside the network namespace lab-rack. SERVERS=N (default 2); DISCOVERY=1: nothing is
# enrolled and servers powered on at their BMC enroll themselves.
lab-up: deps build ramdisk
	$(BUN) test/lab/lab-cli.ts up --servers $(or $(SERVERS),2) $(if $(DISCOVERY),--discovery)

lab-down:
	$(BUN) test/lab/lab-cli.ts down

bench-image: deps build
	bash bench/image-write/run.sh

bench-conductor: deps build
	bash bench/conductor-scale/run.sh

bench-agent: deps build
	$(BUN) bench/agent-startup/run.ts

# Deploy time in the lab (issue 14): classic, fast track, + kexec, pre-staged + kexec; deploy
# call -> OS marker, firmware POSTs, bytes written. RUNS=3 FIRMWARE=bios|uefi CASES=1,2,3,4.
# CASES=1,3 picks cases (a variable: inside $(or ...) the commas would split the list).
CASES ?= 1,2,3,4
bench-deploy: deps build ramdisk os-image
	$(BUN) bench/lab-deploy/run.ts --runs $(or $(RUNS),3) --firmware $(or $(FIRMWARE),bios) --cases $(CASES)

clean:
	rm -rf dist build .bench
