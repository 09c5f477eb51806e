/**
 * ATA register-level constants: ATA/ATAPI-6 (ANSI INCITS 361-2002) §7
 * (register descriptions) and §8 (commands), unchanged in ATA8-ACS for the
 * subset modelled here.
 */

/** Command block register offsets from the channel base (0x1F0 for the primary channel), §7.1. */
export const IdeReg = {
  data: 0,
  /** Read: Error. Write: Features. */
  errorFeatures: 1,
  sectorCount: 2,
  lbaLow: 3,
  lbaMid: 4,
  lbaHigh: 5,
  device: 6,
  /** Read: Status (clears INTRQ). Write: Command. */
  statusCommand: 7,
} as const;

/** Status register bits, §7.15. */
export const AtaStatus = {
  ERR: 0x01,
  IDX: 0x02,
  CORR: 0x04,
  DRQ: 0x08,
  /** Device Seek Complete (obsolete, kept set as drives do). */
  DSC: 0x10,
  DF: 0x20,
  DRDY: 0x40,
  BSY: 0x80,
} as const;

/** Error register bits, §7.9. */
export const AtaError = {
  AMNF: 0x01,
  ABRT: 0x04,
  MCR: 0x08,
  IDNF: 0x10,
  MC: 0x20,
  UNC: 0x40,
  ICRC: 0x80,
} as const;

/** Device Control register bits, §7.8. */
export const DeviceControl = {
  /** Interrupt disable: INTRQ is released while set. */
  nIEN: 0x02,
  /** Software reset. */
  SRST: 0x04,
  /** High order byte: reads return the previous content of the 48-bit registers. */
  HOB: 0x80,
} as const;

/** Device register bits, §7.7. */
export const DeviceBits = {
  /** Address is an LBA (else CHS). */
  LBA: 0x40,
  /** Device 1 (slave) selected. */
  DEV: 0x10,
  /** Bits 7 and 5: obsolete, historically set to one. */
  OBSOLETE: 0xa0,
} as const;

/** Command codes, ATA/ATAPI-6 §8 and Table B.2. */
export const AtaCommand = {
  NOP: 0x00,
  READ_SECTORS: 0x20,
  READ_SECTORS_NO_RETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_NATIVE_MAX_ADDRESS_EXT: 0x27,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NO_RETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY_SECTORS: 0x40,
  READ_VERIFY_SECTORS_NO_RETRY: 0x41,
  READ_VERIFY_SECTORS_EXT: 0x42,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  IDENTIFY_DEVICE: 0xec,
  FLUSH_CACHE_EXT: 0xea,
  SET_FEATURES: 0xef,
  READ_NATIVE_MAX_ADDRESS: 0xf8,
} as const;

/** SET FEATURES subcommands (Features register), §8.37 Table 30. */
export const SetFeature = {
  ENABLE_WRITE_CACHE: 0x02,
  SET_TRANSFER_MODE: 0x03,
  DISABLE_READ_LOOK_AHEAD: 0x55,
  DISABLE_REVERT_TO_DEFAULTS: 0x66,
  DISABLE_WRITE_CACHE: 0x82,
  ENABLE_READ_LOOK_AHEAD: 0xaa,
  ENABLE_REVERT_TO_DEFAULTS: 0xcc,
} as const;

/** Largest READ/WRITE MULTIPLE block we offer (IDENTIFY word 47). */
export const MAX_MULTIPLE_SECTORS = 16;

/** The CHS geometry reported for old drivers (IDENTIFY words 1, 3, 6): the usual 16 heads × 63 sectors. */
export const CHS_HEADS = 16;
export const CHS_SECTORS_PER_TRACK = 63;
export const CHS_MAX_CYLINDERS = 16383;

/** Largest LBA28 address + 1 (IDENTIFY words 60–61 saturate here), §8.15.25. */
export const LBA28_LIMIT = 0x0fffffff;
