/*
 * minirun: the smallest KVM host that runs the probe guest the way PSVmm does (direct multiboot
 * entry in 32-bit protected mode, no firmware) and models the PSVmm TestDevice, so the probe's
 * TestDevice paths (scratch port, MMIO, MSI, shutdown request) can be checked without PSVmm.
 * A test tool, not part of PSVmm: it trusts the probe and handles one vCPU.
 *
 *   minirun [--shutdown-after-idle] probe.elf [command line]
 *
 * Serial output goes to stdout. Exit status: the guest's exit-port status, 200 on a triple
 * fault, 201 on an internal (emulation) error, 202 on a timeout (60 s), 203 on a setup error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_SIZE        (64u << 20)
#define MB_INFO_ADDR    0x10000u        /* PSVmm's MemoryLayout.MultibootInfoAddress */
#define CMDLINE_ADDR    0x20000u        /* PSVmm's MemoryLayout.CommandLineAddress */
#define TESTDEV_MMIO    0xFEB00000u

static int vm_fd;
static uint8_t *ram;
static uint32_t port_scratch, mmio_scratch, msi_addr_lo, msi_addr_hi, msi_data, msi_count;
static int shutdown_requested, shutdown_after_idle;
static char line[256];
static size_t line_len;

static void die(const char *what)
{
    fprintf(stderr, "minirun: %s: %s\n", what, strerror(errno));
    exit(203);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "minirun: timeout\n";
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(202);
}

/* Loads the PT_LOAD segments of an ELF32 file at their physical addresses. */
static uint32_t load_elf(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        die(path);
    uint8_t *file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED)
        die("mmap elf");
    Elf32_Ehdr *eh = (Elf32_Ehdr *)file;
    if ((size_t)st.st_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS32) {
        fprintf(stderr, "minirun: %s is not an ELF32 file\n", path);
        exit(203);
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf32_Phdr *ph = (Elf32_Phdr *)(file + eh->e_phoff + (size_t)i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD)
            continue;
        if ((uint64_t)ph->p_paddr + ph->p_memsz > RAM_SIZE || (uint64_t)ph->p_offset + ph->p_filesz > (uint64_t)st.st_size) {
            fprintf(stderr, "minirun: segment %d out of range\n", i);
            exit(203);
        }
        memcpy(ram + ph->p_paddr, file + ph->p_offset, ph->p_filesz);
        memset(ram + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
    }
    return eh->e_entry;
}

/* Multiboot information (Multiboot 0.6.96 §3.3): memory sizes and the command line. */
static void write_multiboot_info(const char *cmdline)
{
    uint32_t *info = (uint32_t *)(ram + MB_INFO_ADDR);
    info[0] = (1u << 0) | (1u << 2);
    info[1] = 639;
    info[2] = (RAM_SIZE >> 10) - 1024;
    info[4] = CMDLINE_ADDR;
    snprintf((char *)ram + CMDLINE_ADDR, 4096, "%s", cmdline);
}

static void serial_output(uint8_t c)
{
    putchar(c);
    if (c == '\n') {
        fflush(stdout);
        line[line_len < sizeof(line) - 1 ? line_len : sizeof(line) - 1] = 0;
        if (shutdown_after_idle && strcmp(line, "probe: idle") == 0)
            shutdown_requested = 1;
        line_len = 0;
    } else if (line_len < sizeof(line) - 1) {
        line[line_len++] = (char)c;
    }
}

/* Returns the exit status if the guest asked to exit, else -1. */
static int port_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    uint16_t port = run->io.port;
    unsigned size = run->io.size;
    for (uint32_t n = 0; n < run->io.count; n++, data += size) {
        uint32_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT)
            memcpy(&value, data, size);
        if (port >= 0xF0 && port + size <= 0xF4) {          /* scratch, byte lanes */
            unsigned shift = (port - 0xF0) * 8;
            uint32_t mask = (size == 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1)) << shift;
            if (run->io.direction == KVM_EXIT_IO_OUT)
                port_scratch = (port_scratch & ~mask) | ((value << shift) & mask);
            else
                value = (port_scratch & mask) >> shift;
        } else if (port == 0xF4) {
            if (run->io.direction == KVM_EXIT_IO_OUT)
                return (int)(value & 0xFF);
            value = (uint32_t)shutdown_requested;
        } else if (port == 0x3F8 && run->io.direction == KVM_EXIT_IO_OUT) {
            serial_output((uint8_t)value);
        } else if (port == 0x3FD) {
            value = 0x60;                                   /* THRE | TEMT */
        } else if (run->io.direction == KVM_EXIT_IO_IN) {
            value = 0xFFFFFFFF;                             /* nothing there */
        }
        if (run->io.direction == KVM_EXIT_IO_IN)
            memcpy(data, &value, size);
    }
    return -1;
}

static void test_device_mmio(struct kvm_run *run)
{
    uint64_t offset = run->mmio.phys_addr - TESTDEV_MMIO;
    uint32_t value = 0;
    if (run->mmio.phys_addr < TESTDEV_MMIO || offset >= 0x1000 || run->mmio.len != 4) {
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xFF, sizeof(run->mmio.data));
        return;
    }
    if (run->mmio.is_write) {
        memcpy(&value, run->mmio.data, 4);
        switch (offset) {
        case 0x04: mmio_scratch = value; break;
        case 0x08: msi_addr_lo = value; break;
        case 0x0C: msi_addr_hi = value; break;
        case 0x10: msi_data = value; break;
        case 0x14: {
            struct kvm_msi msi = { .address_lo = msi_addr_lo, .address_hi = msi_addr_hi, .data = msi_data };
            if (ioctl(vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
                die("KVM_SIGNAL_MSI");
            msi_count++;
            break;
        }
        }
        return;
    }
    switch (offset) {
    case 0x00: value = 0x4D565350; break;
    case 0x04: value = mmio_scratch; break;
    case 0x08: value = msi_addr_lo; break;
    case 0x0C: value = msi_addr_hi; break;
    case 0x10: value = msi_data; break;
    case 0x18: value = msi_count; break;
    case 0x1C: value = (uint32_t)shutdown_requested; break;
    }
    memcpy(run->mmio.data, &value, 4);
}

static void set_flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
    *s = (struct kvm_segment){ .base = 0, .limit = 0xFFFFFFFF, .selector = selector, .type = type,
                               .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1 };
}

int main(int argc, char **argv)
{
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "--shutdown-after-idle") == 0) {
        shutdown_after_idle = 1;
        arg++;
    }
    if (arg >= argc) {
        fprintf(stderr, "usage: minirun [--shutdown-after-idle] probe.elf [command line]\n");
        return 203;
    }
    const char *elf = argv[arg++];
    const char *cmdline = arg < argc ? argv[arg] : "";
    signal(SIGALRM, on_alarm);
    alarm(60);

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm_fd < 0)
        die("KVM_CREATE_VM");
    if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xFFFBD000ul) < 0)
        die("KVM_SET_TSS_ADDR");
    if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        die("KVM_CREATE_IRQCHIP");

    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap ram");
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
                                                  .userspace_addr = (uint64_t)ram };
    if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");

    uint32_t entry = load_elf(elf);
    write_multiboot_info(cmdline);

    int vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    /* Long mode needs CPUID.80000001H:EDX.LM in the guest's CPUID. */
    struct { struct kvm_cpuid2 head; struct kvm_cpuid_entry2 entries[256]; } cpuid = { .head.nent = 256 };
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0 || ioctl(vcpu, KVM_SET_CPUID2, &cpuid) < 0)
        die("CPUID");

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    set_flat_segment(&sregs.cs, 0x08, 0xB);
    set_flat_segment(&sregs.ds, 0x10, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.cr0 = 0x11;                                       /* PE | ET, paging off */
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = entry, .rax = 0x2BADB002, .rbx = MB_INFO_ADDR, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");

    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");

    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR)
                continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            int status = port_io(run);
            if (status >= 0) {
                fflush(stdout);
                return status;
            }
            break;
        }
        case KVM_EXIT_MMIO:
            test_device_mmio(run);
            break;
        case KVM_EXIT_SHUTDOWN:
            fflush(stdout);
            fprintf(stderr, "minirun: triple fault (shutdown)\n");
            return 200;
        case KVM_EXIT_INTERNAL_ERROR:
            fflush(stdout);
            fprintf(stderr, "minirun: internal error, suberror %u\n", run->internal.suberror);
            return 201;
        default:
            fflush(stdout);
            fprintf(stderr, "minirun: unexpected exit reason %u\n", run->exit_reason);
            return 203;
        }
    }
}
