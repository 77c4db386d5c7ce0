#include "posix_steer.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP 40

enum label { L_V4, L_V6, L_SUM, L_OTHER, L__COUNT };

typedef struct {
    struct bpf_insn insn[CAP];
    int n;
    int at[L__COUNT];         /* each label's instruction index */
    int fix[CAP], fix_to[CAP]; /* jumps to patch: instruction, label */
    int nfix;
} prog;

static void emit(prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn *i = &p->insn[p->n++];
    memset(i, 0, sizeof *i);
    i->code = code;
    /* the register nibbles, written as the byte they share (a 4-bit field
     * assignment is a -Wconversion warning): dst_reg is the low nibble on
     * a little-endian host, the high one on a big-endian host */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint8_t regs = (uint8_t)((dst & 0xfu) | ((src & 0xfu) << 4));
#else
    uint8_t regs = (uint8_t)(((dst & 0xfu) << 4) | (src & 0xfu));
#endif
    memcpy((uint8_t *)i + 1, &regs, 1);
    i->off = off;
    i->imm = imm;
}

/* A jump (code with BPF_K against imm, or BPF_JA) to a label. */
static void jump(prog *p, uint8_t code, int32_t imm, enum label to)
{
    p->fix[p->nfix] = p->n;
    p->fix_to[p->nfix++] = (int)to;
    emit(p, code, 0, 0, 0, imm);
}

static void here(prog *p, enum label l)
{
    p->at[l] = p->n;
}

static void patch(prog *p)
{
    for (int k = 0; k < p->nfix; k++)
        p->insn[p->fix[k]].off = (int16_t)(p->at[p->fix_to[k]] - p->fix[k] - 1);
}

#define LDABS(sz, off) emit(p, BPF_LD | BPF_ABS | (sz), 0, 0, 0, (off))

/* r0 = queue; r6 = the skb (LD_ABS needs it); r7 = IPv4 header length;
 * r8 = the first port. l: the link header's length (14 TAP, 0 TUN). */
static void assemble(prog *p, int32_t l, uint32_t queues)
{
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
    if (l > 0) {
        LDABS(BPF_H, 12); /* the EtherType, in host order */
        jump(p, BPF_JMP | BPF_JEQ | BPF_K, 0x0800, L_V4);
        jump(p, BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, L_V6);
    } else {
        LDABS(BPF_B, 0); /* the IP version */
        emit(p, BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 4);
        jump(p, BPF_JMP | BPF_JEQ | BPF_K, 4, L_V4);
        jump(p, BPF_JMP | BPF_JEQ | BPF_K, 6, L_V6);
    }
    jump(p, BPF_JMP | BPF_JA, 0, L_OTHER);
    here(p, L_V4);
    LDABS(BPF_B, l + 9); /* protocol */
    jump(p, BPF_JMP | BPF_JNE | BPF_K, 6, L_OTHER);
    LDABS(BPF_H, l + 6); /* a later fragment has no ports */
    jump(p, BPF_JMP | BPF_JSET | BPF_K, 0x1fff, L_OTHER);
    LDABS(BPF_B, l);
    emit(p, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0x0f);
    emit(p, BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 2);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
    emit(p, BPF_LD | BPF_IND | BPF_H, 0, 7, 0, l); /* source port */
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0);
    emit(p, BPF_LD | BPF_IND | BPF_H, 0, 7, 0, l + 2); /* destination port */
    jump(p, BPF_JMP | BPF_JA, 0, L_SUM);
    here(p, L_V6);
    LDABS(BPF_B, l + 6); /* next header: TCP right after the fixed header */
    jump(p, BPF_JMP | BPF_JNE | BPF_K, 6, L_OTHER);
    LDABS(BPF_H, l + 40);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0);
    LDABS(BPF_H, l + 42);
    here(p, L_SUM);
    emit(p, BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0);
    /* (sum * 2654435761) mod 2^32 >> 16: 32-bit operations (the result
     * zero-extended); the constant's bits as the signed immediate */
    emit(p, BPF_ALU | BPF_MUL | BPF_K, 0, 0, 0, (int32_t)-1640531535);
    emit(p, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 0, 16);
    emit(p, BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 0, (int32_t)queues);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    here(p, L_OTHER);
    emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    patch(p);
}

static int load(const prog *p, char *err, size_t errcap)
{
    static char log[4096];
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    a.insn_cnt = (uint32_t)p->n;
    a.insns = (uint64_t)(uintptr_t)p->insn;
    a.license = (uint64_t)(uintptr_t)"Dual MIT/GPL";
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = sizeof log;
    a.log_level = 1;
    log[0] = '\0';
    int fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (fd < 0) {
        int e = errno;
        char *nl = strchr(log, '\n');
        if (nl != NULL)
            *nl = '\0';
        snprintf(err, errcap, "cannot load the queue steering program: %s%s%s", strerror(e),
                 log[0] ? ": " : "", log);
        return -1;
    }
    return fd;
}

int sk_posix_steer_ports(const sk_posix_dev *dev, unsigned queues, char *err, size_t errcap)
{
    if (queues == 0 || queues > 65535) {
        snprintf(err, errcap, "bad queue count %u", queues);
        return -1;
    }
    prog p;
    memset(&p, 0, sizeof p);
    assemble(&p, dev->kind == SK_DEV_TAP ? 14 : 0, queues);
    int fd = load(&p, err, errcap);
    if (fd < 0)
        return -1;
    int r = ioctl(dev->fd, TUNSETSTEERINGEBPF, &fd);
    int e = errno;
    close(fd); /* the device holds the program */
    if (r != 0) {
        snprintf(err, errcap, "cannot steer the queues of %s (TUNSETSTEERINGEBPF): %s",
                 dev->name, strerror(e));
        return -1;
    }
    return 0;
}
