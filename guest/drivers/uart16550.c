/*
 * NS16550A UART (National Semiconductor PC16550D datasheet; on a PC, COM1 at
 * I/O ports 0x3F8-0x3FF, IRQ 4). Registers, at reg + (offset << reg-shift):
 *
 *   0 RBR (read) / THR (write)      DLAB=1: DLL, divisor latch low
 *   1 IER interrupt enable          DLAB=1: DLM, divisor latch high
 *   2 IIR (read) / FCR (write)      FIFO control
 *   3 LCR line control (bit 7 = DLAB)   4 MCR modem control (OUT2 gates the IRQ on PCs)
 *   5 LSR line status: DR (bit 0) data ready, THRE (bit 5) transmitter empty
 *
 * Output: wait for THRE, then fill the 16-byte FIFO. Input: IER.ERBFI makes
 * the UART interrupt while received data waits; the handler drains RBR into
 * the console. Each register access is one VM exit to the COM1 device model.
 */
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define IER_ERBFI 0x01     /* received data available */
#define FCR_ENABLE 0x01
#define FCR_CLEAR 0x06     /* clear both FIFOs */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define FIFO_DEPTH 16
#define BAUD 115200

static uintptr_t regs;
static uint32_t shift;
static struct device *dev;

static uint8_t uart_in(unsigned reg) {
    dev->io_accesses++;
    return mmio_read8(regs + (reg << shift));
}

static void uart_out(unsigned reg, uint8_t v) {
    dev->io_accesses++;
    mmio_write8(regs + (reg << shift), v);
}

static void uart_write(const char *s, size_t n) {
    size_t i = 0;
    bool cr_pending = false;
    while (i < n || cr_pending) {
        while (!(uart_in(UART_LSR) & LSR_THRE)) {
        }
        /* THRE: the FIFO is empty, so FIFO_DEPTH bytes fit. Terminals want \r\n. */
        for (int room = FIFO_DEPTH; room > 0 && (i < n || cr_pending); room--) {
            if (cr_pending) {
                uart_out(UART_THR, '\n');
                cr_pending = false;
                i++;
            } else if (s[i] == '\n') {
                uart_out(UART_THR, '\r');
                cr_pending = true;
            } else {
                uart_out(UART_THR, (uint8_t)s[i++]);
            }
        }
    }
}

static void uart_interrupt(void *arg) {
    char buf[32];
    size_t n = 0;
    dev->irqs++;
    while ((uart_in(UART_LSR) & LSR_DR) && n < sizeof buf) buf[n++] = (char)uart_in(UART_RBR);
    console_input(buf, n);
}

static struct console_sink sink = {"com1", uart_write, 0};

int uart16550_probe(int node) {
    uint64_t addr, size;
    uint32_t clock = 1843200, irq = 0, isa_irq = 0;
    if (!dtb_reg(node, 0, &addr, &size)) return -EINVAL;
    dtb_prop_u32(node, "reg-shift", &shift);
    dtb_prop_u32(node, "clock-frequency", &clock);
    dtb_prop_u32(node, "interrupts", &irq);
    dtb_prop_u32(node, "tabvisor,isa-irq", &isa_irq);
    regs = (uintptr_t)addr;
    paging_map(regs, (uintptr_t)size, PTE_R | PTE_W, "COM1 (16550A)");
    static struct device probe_dev;
    dev = &probe_dev;
    /* Is anything there? The scratch register holds what we write. */
    uart_out(UART_SCR, 0x5a);
    if (uart_in(UART_SCR) != 0x5a) return -ENODEV;
    uint32_t divisor = clock / (16 * BAUD);
    uart_out(UART_IER, 0);
    uart_out(UART_LCR, LCR_DLAB);
    uart_out(UART_DLL, (uint8_t)divisor);
    uart_out(UART_DLM, (uint8_t)(divisor >> 8));
    uart_out(UART_LCR, LCR_8N1);
    uart_out(UART_FCR, FCR_ENABLE | FCR_CLEAR);
    uart_out(UART_MCR, MCR_DTR_RTS_OUT2);
    uart_out(UART_IER, IER_ERBFI);
    unsigned long early = probe_dev.io_accesses;
    dev = device_add("com1", "drivers/uart16550.c", "16550A UART at 0x%08lx, %lu baud 8N1, ISA IRQ %lu (PLIC %lu)",
                     (unsigned long)regs, (unsigned long)(clock / 16 / (divisor ? divisor : 1)),
                     (unsigned long)isa_irq, (unsigned long)irq);
    dev->io_accesses = early;
    if (irq) irq_register(irq, uart_interrupt, 0, "com1");
    console_add_sink(&sink);
    return 0;
}
