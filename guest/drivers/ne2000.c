/*
 * NE2000 Ethernet: a National Semiconductor DP8390 network interface
 * controller (DP8390D/NS32490D datasheet) with 16 KiB of buffer RAM, on ISA
 * ports 0x300-0x31F, IRQ 9. Port offsets:
 *
 *   0x00-0x0F  DP8390 registers, in three pages chosen by CR.PS
 *   0x10       data port: the remote DMA's window onto the buffer RAM
 *              (16-bit in word mode, DCR.WTS)
 *   0x1F       reset port: a read resets the card and sets ISR.RST
 *
 *   page 0 write: 1 PSTART 2 PSTOP 3 BNRY 4 TPSR 5/6 TBCR0/1 7 ISR
 *                 8/9 RSAR0/1 A/B RBCR0/1 C RCR D TCR E DCR F IMR
 *   page 0 read:  3 BNRY 4 TSR 7 ISR C RSR
 *   page 1:       1-6 PAR0-5 (our MAC)  7 CURR  8-F MAR0-7 (multicast hash)
 *
 * Buffer RAM is addressed in 256-byte pages 0x40-0x7F. Sprout puts one
 * transmit buffer at 0x40 (6 pages, room for 1536 bytes) and the receive
 * ring in 0x46-0x7F (PSTART..PSTOP). The NIC stores each frame it accepts at
 * CURR behind a 4-byte header {receive status, next page, byte count lo, hi}
 * and advances CURR; we read frames from BNRY + 1 up to CURR through remote
 * DMA and move BNRY behind us, which gives the NIC the room back.
 *
 * Setup follows Linux's drivers/net/ethernet/8390/ne.c and 8390.c: reset,
 * stop, word mode, the NIC kept off the wire (monitor mode, internal
 * loopback) while the ring, station address and multicast filter are
 * written, then start, transmitter on, and accept our address and
 * broadcast. The station address PROM is read once (remote DMA at 0) and
 * compared with the DTB's local-mac-address.
 *
 * Every register access is a VM exit, so the driver keeps them few: word
 * DMA; no wait for "remote DMA complete" (the model finishes a transfer with
 * its last data-port access, and RDC is acknowledged with the transmit);
 * BNRY written once per batch of frames; the transmit page set once. The
 * interrupt handler only reads and acknowledges ISR (2 exits) and leaves the
 * frames to the next net_poll(), which runs where Sprout waits.
 */
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/net.h>
#include <sprout/timer.h>
#include <sprout/trap.h>

/* Registers (offsets in the port block). */
#define NE_CR 0x00
#define NE_PSTART 0x01
#define NE_PSTOP 0x02
#define NE_BNRY 0x03
#define NE_TPSR 0x04
#define NE_TBCR0 0x05
#define NE_TBCR1 0x06
#define NE_ISR 0x07
#define NE_RSAR0 0x08
#define NE_RSAR1 0x09
#define NE_RBCR0 0x0a
#define NE_RBCR1 0x0b
#define NE_RCR 0x0c
#define NE_TCR 0x0d
#define NE_DCR 0x0e
#define NE_IMR 0x0f
#define NE_PAR0 0x01 /* page 1 */
#define NE_CURR 0x07 /* page 1 */
#define NE_MAR0 0x08 /* page 1 */
#define NE_DATA 0x10
#define NE_RESET 0x1f

/* CR: STP, STA, TXP, remote DMA command (RD2..0), page select (PS1..0). */
#define CR_STP 0x01
#define CR_STA 0x02
#define CR_TXP 0x04
#define CR_RREAD 0x08
#define CR_RWRITE 0x10
#define CR_NODMA 0x20 /* abort / complete remote DMA */
#define CR_PAGE1 0x40
/* ISR and IMR bits. */
#define ISR_PRX 0x01 /* packet received */
#define ISR_PTX 0x02 /* packet transmitted */
#define ISR_RXE 0x04 /* receive error */
#define ISR_TXE 0x08 /* transmit error (excessive collisions, FIFO underrun) */
#define ISR_OVW 0x10 /* receive ring overwrite warning: full, frames dropped */
#define ISR_CNT 0x20
#define ISR_RDC 0x40 /* remote DMA complete */
#define ISR_RST 0x80 /* reset state (or ring overflow) */
/* DCR 0x49: word transfers (WTS), normal operation (LS, not loopback), FIFO threshold 8 bytes (FT1). */
#define DCR_WORD 0x49
#define RCR_AB 0x04  /* accept broadcast */
#define RCR_MON 0x20 /* monitor: check frames, store none */
#define TCR_LOOPBACK 0x02 /* internal loopback (LB0): nothing reaches the wire */
#define TCR_NORMAL 0x00
#define RSR_PRX 0x01 /* the frame was received intact */

/* Buffer RAM layout (page numbers). */
#define TX_PAGE 0x40
#define RX_START 0x46
#define RX_STOP 0x80
#define RX_PAGES (RX_STOP - RX_START)

#define IMR_BITS (ISR_PRX | ISR_RXE | ISR_OVW)
#define TX_TIMEOUT_MS 100
#define RESET_TIMEOUT_MS 20

static struct ne2000 {
    struct netif nif;
    uintptr_t base;     /* guest-physical address of port 0x300 */
    uint32_t port, isa_irq, irq;
    struct device *dev;
    volatile uint8_t pending; /* ISR bits the handler acknowledged, not yet acted on */
    uint8_t next_page;  /* the next frame to read: BNRY + 1 */
    unsigned long tx_timeouts, overflows;
} ne0;

static uint8_t ne_in(struct ne2000 *ne, unsigned r) {
    ne->dev->io_accesses++;
    return mmio_read8(ne->base + r);
}

static void ne_out(struct ne2000 *ne, unsigned r, uint8_t v) {
    ne->dev->io_accesses++;
    mmio_write8(ne->base + r, v);
}

/*
 * Remote DMA of `count` bytes at buffer address `addr`, through the data
 * port a word at a time (low byte first: DCR.BOS = 0). Word mode moves two
 * bytes per access, so counts are rounded up to even; the receive ring and
 * transmit buffer are whole pages, so the extra byte is always inside them.
 */
static void dma_start(struct ne2000 *ne, uint16_t addr, uint16_t count, uint8_t cmd) {
    ne_out(ne, NE_RBCR0, (uint8_t)count);
    ne_out(ne, NE_RBCR1, (uint8_t)(count >> 8));
    ne_out(ne, NE_RSAR0, (uint8_t)addr);
    ne_out(ne, NE_RSAR1, (uint8_t)(addr >> 8));
    ne_out(ne, NE_CR, cmd | CR_STA);
}

static void dma_read(struct ne2000 *ne, uint16_t addr, uint8_t *buf, size_t count) {
    size_t words = (count + 1) / 2;
    dma_start(ne, addr, (uint16_t)(words * 2), CR_RREAD);
    volatile uint16_t *data = (volatile uint16_t *)(ne->base + NE_DATA);
    ne->dev->io_accesses += words;
    for (size_t i = 0; i < words; i++) {
        uint16_t w = *data;
        buf[2 * i] = (uint8_t)w;
        if (2 * i + 1 < count) buf[2 * i + 1] = (uint8_t)(w >> 8);
    }
}

static void dma_write(struct ne2000 *ne, uint16_t addr, const uint8_t *buf, size_t count) {
    size_t words = (count + 1) / 2;
    dma_start(ne, addr, (uint16_t)(words * 2), CR_RWRITE);
    volatile uint16_t *data = (volatile uint16_t *)(ne->base + NE_DATA);
    ne->dev->io_accesses += words;
    for (size_t i = 0; i < words; i++) {
        uint16_t hi = 2 * i + 1 < count ? buf[2 * i + 1] : 0;
        *data = (uint16_t)(buf[2 * i] | hi << 8);
    }
}

/* ---- transmit ------------------------------------------------------------ */

static int ne2000_transmit(struct netif *nif, const uint8_t *frame, size_t len) {
    struct ne2000 *ne = nif->priv;
    dma_write(ne, TX_PAGE << 8, frame, len);
    ne_out(ne, NE_TBCR0, (uint8_t)len);
    ne_out(ne, NE_TBCR1, (uint8_t)(len >> 8));
    ne_out(ne, NE_CR, CR_NODMA | CR_TXP | CR_STA);
    /*
     * Wait for PTX (sent) or TXE (given up), so the buffer is free for the
     * next frame. The model sends at once; after a short spin the vCPU
     * sleeps between polls so a slower device is not starved of host time.
     */
    uint64_t until = timer_deadline_ms(TX_TIMEOUT_MS);
    uint8_t isr;
    for (unsigned spins = 0; !((isr = ne_in(ne, NE_ISR)) & (ISR_PTX | ISR_TXE)); spins++) {
        if (timer_now() > until) {
            ne->tx_timeouts++;
            return -ETIMEDOUT;
        }
        if (spins >= 16) {
            timer_arm(timer_now() + timer_hz() / 10000); /* 100 us */
            wait_for_interrupt();
        }
    }
    ne_out(ne, NE_ISR, isr & (ISR_PTX | ISR_TXE | ISR_RDC)); /* the receive bits stay for the handler */
    return isr & ISR_TXE ? -EIO : 0;
}

/* ---- receive ------------------------------------------------------------- */

static uint8_t *rxbuf; /* ETH_FRAME_MAX bytes, allocated when a card is found */

static uint8_t read_curr(struct ne2000 *ne) {
    ne_out(ne, NE_CR, CR_PAGE1 | CR_NODMA | CR_STA);
    uint8_t curr = ne_in(ne, NE_CURR);
    ne_out(ne, NE_CR, CR_NODMA | CR_STA);
    return curr;
}

/*
 * Read every frame from next_page up to CURR. The byte count in the header
 * is the frame plus 4 (as QEMU's model stores it: the header; on the real
 * chip, the CRC): we take count - 4, and, should a model count both,
 * clip at ETH_FRAME_MAX (IP and ARP carry their own lengths). A header that
 * makes no sense means we lost our place: skip to CURR, as Linux's 8390.c does.
 */
static void drain(struct ne2000 *ne) {
    struct netif *nif = &ne->nif;
    uint8_t curr = read_curr(ne);
    if (curr < RX_START || curr >= RX_STOP) {
        nif->rx_errors++;
        return;
    }
    bool moved = false;
    for (int frames = 0; ne->next_page != curr && frames < RX_PAGES; frames++) {
        uint16_t addr = (uint16_t)(ne->next_page << 8);
        uint8_t hdr[4];
        dma_read(ne, addr, hdr, sizeof hdr);
        uint8_t status = hdr[0], next = hdr[1];
        size_t count = (size_t)(hdr[2] | hdr[3] << 8);
        moved = true;
        if (next < RX_START || next >= RX_STOP || count < 4 + ETH_HLEN || count > 4 + ETH_FRAME_MAX + 4) {
            nif->rx_errors++;
            ne->next_page = curr;
            break;
        }
        size_t len = MIN(count - 4, (size_t)ETH_FRAME_MAX);
        if (status & RSR_PRX) {
            /* The frame may wrap from the end of the ring to its start. */
            size_t first = MIN(len, (size_t)(RX_STOP << 8) - (addr + 4u));
            dma_read(ne, (uint16_t)(addr + 4), rxbuf, first);
            if (first < len) dma_read(ne, RX_START << 8, rxbuf + first, len - first);
            ne->next_page = next;
            net_receive(nif, rxbuf, len);
        } else {
            nif->rx_errors++;
            ne->next_page = next;
        }
    }
    /* BNRY trails the next frame to read by one page (it must never equal CURR while frames wait). */
    if (moved) ne_out(ne, NE_BNRY, ne->next_page == RX_START ? RX_STOP - 1 : ne->next_page - 1);
}

/*
 * Receive ring overflow (DP8390D datasheet, "Buffer Ring Overflow"; Linux
 * ei_rx_overrun): stop the NIC, clear the remote byte count, go to loopback
 * so nothing new arrives, start again, empty the ring, acknowledge OVW and
 * go back on the wire.
 */
static void overflow(struct ne2000 *ne) {
    ne->overflows++;
    ne->nif.rx_overruns++;
    ne_out(ne, NE_CR, CR_NODMA | CR_STP);
    ne_out(ne, NE_RBCR0, 0);
    ne_out(ne, NE_RBCR1, 0);
    ne_out(ne, NE_TCR, TCR_LOOPBACK);
    ne_out(ne, NE_CR, CR_NODMA | CR_STA);
    drain(ne);
    ne_out(ne, NE_ISR, ISR_OVW);
    ne_out(ne, NE_TCR, TCR_NORMAL);
}

static void take_isr(struct ne2000 *ne) {
    uint8_t isr = ne_in(ne, NE_ISR) & IMR_BITS;
    if (isr) ne_out(ne, NE_ISR, isr); /* write 1 to clear (the line drops with them) */
    ne->pending |= isr;
}

static void ne2000_interrupt(void *arg) {
    struct ne2000 *ne = arg;
    ne->dev->irqs++;
    take_isr(ne);
}

static void ne2000_poll(struct netif *nif) {
    struct ne2000 *ne = nif->priv;
    if (nif->polled) take_isr(ne);
    while (ne->pending) {
        uint8_t p = ne->pending;
        ne->pending = 0;
        if (p & ISR_RXE) nif->rx_errors++;
        if (p & ISR_OVW) overflow(ne);
        else if (p & (ISR_PRX | ISR_RXE)) drain(ne);
    }
}

/* ---- probe --------------------------------------------------------------- */

/* local-mac-address: 6 bytes; also taken as 6 cells of one byte each, should the DTB builder write cells. */
static bool dtb_mac(int node, uint8_t *mac) {
    int len;
    const uint8_t *p = dtb_prop(node, "local-mac-address", &len);
    if (p && len == ETH_ALEN) {
        memcpy(mac, p, ETH_ALEN);
        return true;
    }
    if (p && len == 4 * ETH_ALEN) {
        for (int i = 0; i < ETH_ALEN; i++) mac[i] = (uint8_t)be32(p + 4 * i);
        return true;
    }
    return false;
}

int ne2000_probe(int node) {
    struct ne2000 *ne = &ne0;
    uint64_t reg, size;
    if (ne->base) return -EBUSY; /* one NE2000 is all Sprout drives */
    if (!dtb_reg(node, 0, &reg, &size)) return -EINVAL;
    ne->port = 0x300;
    ne->isa_irq = 9;
    ne->irq = 0;
    dtb_prop_cell(node, "tabvisor,isa-ports", 0, &ne->port);
    dtb_prop_u32(node, "interrupts", &ne->irq);
    dtb_prop_u32(node, "tabvisor,isa-irq", &ne->isa_irq);
    if (!rxbuf && !(rxbuf = kmalloc(ETH_FRAME_MAX))) return -ENOMEM;
    ne->base = (uintptr_t)reg;
    paging_map(ne->base, 0x20, PTE_R | PTE_W, "NE2000");
    static struct device probe_dev;
    ne->dev = &probe_dev;

    /* Reset (a read of the reset port), and wait for ISR.RST. Nothing there: an access fault. */
    trap_probe_begin();
    ne_in(ne, NE_RESET);
    if (trap_probe_end()) return -ENODEV;
    uint64_t until = timer_deadline_ms(RESET_TIMEOUT_MS);
    while (!(ne_in(ne, NE_ISR) & ISR_RST))
        if (timer_now() > until) return -ENODEV;
    ne_out(ne, NE_ISR, 0xff);

    /* Stopped, word mode, off the wire. */
    ne_out(ne, NE_CR, CR_NODMA | CR_STP);
    ne_out(ne, NE_DCR, DCR_WORD);
    ne_out(ne, NE_RBCR0, 0);
    ne_out(ne, NE_RBCR1, 0);
    ne_out(ne, NE_IMR, 0);
    ne_out(ne, NE_RCR, RCR_MON);
    ne_out(ne, NE_TCR, TCR_LOOPBACK);

    /* The station address PROM: in word mode each of its bytes is one word, the MAC in words 0-5. */
    uint8_t prom[2 * ETH_ALEN], prom_mac[ETH_ALEN], mac[ETH_ALEN];
    dma_read(ne, 0, prom, sizeof prom);
    for (int i = 0; i < ETH_ALEN; i++) prom_mac[i] = prom[2 * i];
    char a[18], b[18];
    if (!dtb_mac(node, mac)) {
        memcpy(mac, prom_mac, ETH_ALEN);
    } else if (memcmp(mac, prom_mac, ETH_ALEN) != 0) {
        printk("ne2000: station address PROM says %s, the device tree %s: using the device tree's\n",
               mac_format(a, prom_mac), mac_format(b, mac));
    }

    /* The ring and the transmit buffer; the NIC must be stopped to set them. */
    ne_out(ne, NE_CR, CR_NODMA | CR_STP);
    ne_out(ne, NE_PSTART, RX_START);
    ne_out(ne, NE_PSTOP, RX_STOP);
    ne_out(ne, NE_BNRY, RX_START);
    ne_out(ne, NE_TPSR, TX_PAGE);
    ne_out(ne, NE_ISR, 0xff);
    /* Page 1: station address, CURR one page ahead of BNRY, no multicast. */
    ne_out(ne, NE_CR, CR_PAGE1 | CR_NODMA | CR_STP);
    for (int i = 0; i < ETH_ALEN; i++) ne_out(ne, NE_PAR0 + (unsigned)i, mac[i]);
    ne_out(ne, NE_CURR, RX_START + 1);
    for (int i = 0; i < 8; i++) ne_out(ne, NE_MAR0 + (unsigned)i, 0);
    ne->next_page = RX_START + 1;
    /* Start: interrupts for received frames and ring trouble, transmitter on, accept ours and broadcast. */
    ne_out(ne, NE_CR, CR_NODMA | CR_STA);
    ne_out(ne, NE_ISR, 0xff);
    ne_out(ne, NE_IMR, ne->irq ? IMR_BITS : 0);
    ne_out(ne, NE_TCR, TCR_NORMAL);
    ne_out(ne, NE_RCR, RCR_AB);

    struct netif *nif = &ne->nif;
    memcpy(nif->mac, mac, ETH_ALEN);
    nif->transmit = ne2000_transmit;
    nif->poll = ne2000_poll;
    nif->polled = ne->irq == 0;
    nif->priv = ne;
    netif_register(nif, "ne2000");
    snprintf(nif->hwinfo, sizeof nif->hwinfo, "Interrupt:%lu Base address:0x%lx", (unsigned long)ne->isa_irq,
             (unsigned long)ne->port);
    unsigned long early = probe_dev.io_accesses;
    ne->dev = device_add(nif->name, "drivers/ne2000.c", "NE2000 at ports 0x%lx-0x%lx, ISA IRQ %lu (PLIC %lu), MAC %s",
                         (unsigned long)ne->port, (unsigned long)(ne->port + 0x1f), (unsigned long)ne->isa_irq,
                         (unsigned long)ne->irq, mac_format(a, mac));
    ne->dev->io_accesses = early;
    nif->dev = ne->dev;
    if (ne->irq) irq_register(ne->irq, ne2000_interrupt, ne, nif->name);
    return 0;
}
