"""The WAL's byte format for tests that build or damage log files by hand
(store/durability/wal_format.h is the reference): CRC32C, the CRC mask, LEB128 varints, records."""
import struct

MAGIC = b"CAIRNWAL"
VERSION = 1
HEADER_SIZE = 12
K_EFFECTS = 1


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = (c >> 8) ^ _CRC_TABLE[(c ^ b) & 0xFF]
    return c ^ 0xFFFFFFFF


def mask_crc(crc):
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    return (rotated + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def encode_record(lsn, payload, record_type=K_EFFECTS):
    body = struct.pack("<BQ", record_type, lsn) + payload
    return struct.pack("<I", mask_crc(crc32c(body))) + varint(len(body)) + body
