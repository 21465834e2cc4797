#!/usr/bin/env python3
"""Writes the .snmprec files the snmp_printers tests serve with snmpsimd.

snmpsim wants every file sorted by OID (numerically); writing them from this script keeps
them sorted and says what each printer is. Run it again after an edit:
    python3 connectors/snmp_printers/testdata/gen.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PRINTER = "1.3.6.1.2.1.25.3.1.5"


def system(descr, object_id, name):
    return [
        ("1.3.6.1.2.1.1.1.0", "4", descr),
        ("1.3.6.1.2.1.1.2.0", "6", object_id),
        ("1.3.6.1.2.1.1.3.0", "67", "12345600"),
        ("1.3.6.1.2.1.1.5.0", "4", name),
    ]


def device(i, model, status, printer_status, serial):
    rows = [
        (f"1.3.6.1.2.1.25.3.2.1.2.{i}", "6", PRINTER),
        (f"1.3.6.1.2.1.25.3.2.1.3.{i}", "4", model),
        (f"1.3.6.1.2.1.25.3.2.1.5.{i}", "2", str(status)),
        (f"1.3.6.1.2.1.25.3.5.1.1.{i}", "2", str(printer_status)),
        (f"1.3.6.1.2.1.25.3.5.1.2.{i}", "4x", "0000"),
    ]
    if serial is not None:
        rows.append((f"1.3.6.1.2.1.43.5.1.1.17.{i}", "4", serial))
    return rows


def marker(i, unit, life, life_tag="65", colorants=1):
    return [
        (f"1.3.6.1.2.1.43.10.2.1.2.{i}.1", "2", "4"),
        (f"1.3.6.1.2.1.43.10.2.1.3.{i}.1", "2", str(unit)),
        (f"1.3.6.1.2.1.43.10.2.1.4.{i}.1", life_tag, str(life)),
        (f"1.3.6.1.2.1.43.10.2.1.6.{i}.1", "2", str(colorants)),
    ]


def supplies(i, rows):
    """rows: (index, colorant index, class, type, description, unit, max, level)."""
    out = []
    for (n, colorant, cls, typ, descr, unit, mx, level) in rows:
        out += [
            (f"1.3.6.1.2.1.43.11.1.1.3.{i}.{n}", "2", str(colorant)),
            (f"1.3.6.1.2.1.43.11.1.1.4.{i}.{n}", "2", str(cls)),
            (f"1.3.6.1.2.1.43.11.1.1.5.{i}.{n}", "2", str(typ)),
            (f"1.3.6.1.2.1.43.11.1.1.6.{i}.{n}", "4", descr),
            (f"1.3.6.1.2.1.43.11.1.1.7.{i}.{n}", "2", str(unit)),
            (f"1.3.6.1.2.1.43.11.1.1.8.{i}.{n}", "2", str(mx)),
            (f"1.3.6.1.2.1.43.11.1.1.9.{i}.{n}", "2" if isinstance(level, int) else "4", str(level)),
        ]
    return out


def colorants(i, names):
    return [(f"1.3.6.1.2.1.43.12.1.1.4.{i}.{n}", "4", name) for n, name in enumerate(names, 1)]


def hp_mono(life, black_level, serial="CNBJT12345"):
    return (
        system("HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012",
               "1.3.6.1.4.1.11.2.3.9.1", "PRN-FLOOR2-01")
        + device(1, "HP LaserJet Pro M404dn", 2, 3, serial)
        + marker(1, 7, life)
        + supplies(1, [
            (1, 1, 3, 21, "Black Cartridge HP 59A CF259A", 7, 3000, black_level),
            (2, 0, 3, 9, "Imaging Drum HP 32A", 7, 23000, -3),
        ])
        + colorants(1, ["black"])
        + [
            ("1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0", "65", str(life // 3)),
        ]
    )


# A colour MFP whose printer is hrDevice 3 (1 and 2 are its processor and network card),
# with PWG Imaging Counter MIB colour and mono counts and every special supply level.
def colour_mfp():
    return (
        system("Xerox VersaLink C7030 MFP; SS 1.2.3", "1.3.6.1.4.1.253.8.62.1.20", "MFP-RDC-A3")
        + [
            ("1.3.6.1.2.1.25.3.2.1.2.1", "6", "1.3.6.1.2.1.25.3.1.3"),
            ("1.3.6.1.2.1.25.3.2.1.2.2", "6", "1.3.6.1.2.1.25.3.1.4"),
        ]
        + device(3, "Xerox VersaLink C7030", 3, 4, "XRX-3390-77A")
        + marker(3, 7, 250400, colorants=4)
        + supplies(3, [
            (1, 1, 3, 21, "Black Toner Cartridge", 19, 100, 35),
            (2, 2, 3, 21, "Cyan Toner Cartridge", 19, 100, 80),
            (3, 3, 3, 21, "Magenta Toner Cartridge", 19, 100, 12),
            (4, 4, 3, 21, "Yellow Toner Cartridge", 19, 100, 64),
            (5, 0, 3, 9, "Drum Cartridge (R1)", 7, 180000, -3),
            (6, 0, 4, 4, "Waste Toner Container", 19, 100, -2),
            (7, 0, 3, 15, "Fuser", 7, -1, -1),
        ])
        + colorants(3, ["black", "cyan", "magenta", "yellow"])
        + [
            ("1.3.6.1.4.1.2699.1.3.1.8.1.1.4.1.3.3", "65", "250400"),
            ("1.3.6.1.4.1.2699.1.3.1.8.1.1.5.1.3.3", "65", "160300"),
            ("1.3.6.1.4.1.2699.1.3.1.8.1.1.7.1.3.3", "65", "90100"),
        ]
    )


# An agent that sends the wrong types (a counter as text, a level as text), no serial in
# the Printer-MIB but one in HP's MIB, a device down, and a counter in sheets.
def odd():
    # hrPrinterStatus is noSuchInstance and the Printer-MIB serial noSuchObject, as an
    # agent answers for objects it does not hold.
    rows = [r for r in device(1, "HP LaserJet 4250", 5, 1, None)
            if not r[0].startswith("1.3.6.1.2.1.25.3.5.1.1.")]
    return (
        system("HP LaserJet 4250", "1.3.6.1.4.1.11.2.3.9.1", "PRN-OLD")
        + rows
        + [
            ("1.3.6.1.2.1.25.3.5.1.1.1", "129", ""),
            ("1.3.6.1.2.1.43.5.1.1.17.1", "128", ""),
            ("1.3.6.1.2.1.43.10.2.1.3.1.1", "2", "8"),
            ("1.3.6.1.2.1.43.10.2.1.4.1.1", "4", "many"),
            ("1.3.6.1.2.1.43.10.2.1.3.1.2", "2", "8"),
            ("1.3.6.1.2.1.43.10.2.1.4.1.2", "65", "777"),
        ]
        + supplies(1, [(1, 1, 3, 3, "Black toner", 7, 10000, "lots")])
        + [("1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0", "4", "CNXX0042")]
    )


# A colour A3 MFP (Ricoh IM C3000) that implements the PWG Imaging Counter MIB: impressions
# by colour, two-sided impressions, sheets, and sheets by medium (icMediaUsedTable) for the
# device (key 1) and again for its print service (key 2), lifetime (3) and since power-on (4).
def colour_mfp_a3():
    pwg = "1.3.6.1.4.1.2699.1.3.1"
    rows = (
        system("RICOH IM C3000 1.07 / RICOH Network Printer C model", "1.3.6.1.4.1.367.1.1",
               "MFP-SERVICES-TECH")
        + device(1, "RICOH IM C3000", 2, 3, "3100R810042")
        + marker(1, 7, 120000, colorants=4)
        + supplies(1, [
            (1, 1, 3, 21, "Toner Black", 19, 100, 70),
            (2, 2, 3, 21, "Toner Cyan", 19, 100, 45),
            (3, 3, 3, 21, "Toner Magenta", 19, 100, 50),
            (4, 4, 3, 21, "Toner Yellow", 19, 100, 55),
        ])
        + colorants(1, ["black", "cyan", "magenta", "yellow"])
        + [
            (f"{pwg}.8.1.1.4.1.3.3", "65", "120000"),
            (f"{pwg}.8.1.1.5.1.3.3", "65", "80000"),
            (f"{pwg}.8.1.1.7.1.3.3", "65", "40000"),
            (f"{pwg}.9.1.1.4.1.3.3", "65", "50000"),
            (f"{pwg}.10.1.1.4.1.3.3", "65", "95000"),
        ]
    )
    media = [
        # (key, medium, persistence, sheets, size name, medium name)
        (1, 1, 3, 86000, "iso_a4_210x297mm", "iso-a4-white"),
        (1, 2, 3, 8000, "iso_a3_297x420mm", "iso-a3-white"),
        (1, 3, 3, 1000, "iso_a5_148x210mm", "iso-a5-white"),
        (1, 1, 4, 310, "iso_a4_210x297mm", "iso-a4-white"),
        (2, 1, 3, 60000, "iso_a4_210x297mm", "iso-a4-white"),
        (2, 2, 3, 7000, "iso_a3_297x420mm", "iso-a3-white"),
    ]
    for (k, m, p, sheets, size, name) in media:
        i = f"{k}.{m}.{p}"
        rows += [
            (f"{pwg}.12.1.1.4.{i}", "65", str(sheets)),
            (f"{pwg}.12.1.1.5.{i}", "65", str(sheets * 2 // 3)),
            (f"{pwg}.12.1.1.9.{i}", "4", size),
            (f"{pwg}.12.1.1.11.{i}", "4", name),
        ]
    return rows


# A production colour MFP whose tables are longer than one request reads: its printer is
# hrDevice 5 (four devices come before it), two markers (a colour engine of its own), 20
# supplies (two of each toner, drums, waste boxes, a fuser, a belt, staples), six colorants,
# and a media table of three keys with twelve media each.
def long_tables():
    pwg = "1.3.6.1.4.1.2699.1.3.1"
    others = [("1", "1.3.6.1.2.1.25.3.1.3"), ("2", "1.3.6.1.2.1.25.3.1.4"),
              ("3", "1.3.6.1.2.1.25.3.1.4"), ("4", "1.3.6.1.2.1.25.3.1.6")]
    colours = ["black", "cyan", "magenta", "yellow", "light cyan", "light magenta"]
    toners = []
    for n, colour in enumerate(colours[:4], 1):
        # Two cartridges of each colour: the lower one is the level read.
        toners.append((n, n, 3, 21, f"Toner {colour} (1)", 19, 100, 90 - 10 * n))
        toners.append((n + 4, n, 3, 21, f"Toner {colour} (2)", 19, 100, 95 - 10 * n))
    parts = [
        (9, 5, 3, 21, "Toner light cyan", 19, 100, 33),
        (10, 6, 3, 21, "Toner light magenta", 19, 100, 44),
        (11, 0, 3, 9, "Drum K", 7, 200000, 150000),
        (12, 0, 3, 9, "Drum C", 7, 200000, -3),
        (13, 0, 3, 9, "Drum M", 7, 200000, 120000),
        (14, 0, 3, 9, "Drum Y", 7, 200000, -3),
        (15, 0, 4, 4, "Waste Toner Box 1", 19, 100, 60),
        (16, 0, 4, 4, "Waste Toner Box 2", 19, 100, -2),
        (17, 0, 3, 15, "Fuser", 7, 300000, 240000),
        (18, 0, 3, 20, "Transfer Belt", 7, 300000, 30000),
        (19, 0, 3, 1, "Staples", 19, 100, 25),
        (20, 0, 3, 1, "Staples (booklet)", 19, 100, -3),
    ]
    rows = (
        system("Canon imageRUNNER ADVANCE DX C7770i", "1.3.6.1.4.1.1602.4.7", "MFP-REPRO-01")
        + [(f"1.3.6.1.2.1.25.3.2.1.2.{i}", "6", t) for i, t in others]
        + [(f"1.3.6.1.2.1.25.3.2.1.3.{i}", "4", f"device {i}") for i, _ in others]
        + [(f"1.3.6.1.2.1.25.3.2.1.5.{i}", "2", "2") for i, _ in others]
        + device(5, "Canon iR-ADV DX C7770", 2, 4, "CAN-7770-0099")
        + marker(5, 7, 100000, colorants=6)
        + [(f"1.3.6.1.2.1.43.10.2.1.{c}.5.2", "2", v) for c, v in [(2, "4"), (3, "7"), (6, "6")]]
        + [("1.3.6.1.2.1.43.10.2.1.4.5.2", "65", "23456")]
        + supplies(5, toners + parts)
        + colorants(5, colours)
        + [
            (f"{pwg}.8.1.1.4.1.3.3", "65", "123456"),
            (f"{pwg}.8.1.1.7.1.3.3", "65", "50000"),
        ]
    )
    sizes = ["iso_a4_210x297mm", "iso_a3_297x420mm", "iso_a5_148x210mm", "na_letter_8.5x11in",
             "iso_sra3_320x450mm", "jis_b4_257x364mm"]
    for k in (1, 2, 3):
        for m in range(1, 13):
            for p, sheets in ((3, 1000 * m + k), (4, m)):
                i = f"{k}.{m}.{p}"
                rows += [
                    (f"{pwg}.12.1.1.4.{i}", "65", str(sheets)),
                    (f"{pwg}.12.1.1.9.{i}", "4", sizes[(m - 1) % len(sizes)]),
                    (f"{pwg}.12.1.1.11.{i}", "4", f"medium-{m}"),
                ]
    return rows


def switch():
    return system("Cisco IOS Software, C2960 Software", "1.3.6.1.4.1.9.1.1208", "sw-floor2") + [
        ("1.3.6.1.2.1.25.3.2.1.2.1", "6", "1.3.6.1.2.1.25.3.1.4"),
    ]


FILES = {
    "hp-mono": hp_mono(48213, 240),
    # The same printer later: it printed, and its black cartridge was replaced.
    "hp-mono-later": hp_mono(48999, 3000),
    # The same printer after a formatter board swap: its counter starts again.
    "hp-mono-reset": hp_mono(12, 2900),
    # The same printer answering 0 pages while its engine starts.
    "hp-mono-zero": hp_mono(0, 2900),
    # The same printer whose Counter32 is about to wrap, then wrapped.
    "hp-mono-wrap": hp_mono(4294967290, 2900),
    "hp-mono-wrapped": hp_mono(15, 2900),
    "colour-mfp": colour_mfp(),
    "colour-mfp-a3": colour_mfp_a3(),
    "odd": odd(),
    "switch": switch(),
    "long-tables": long_tables(),
}


def key(row):
    return [int(p) for p in row[0].split(".")]


for name, rows in FILES.items():
    rows = sorted(rows, key=key)
    assert len({r[0] for r in rows}) == len(rows), name
    with open(os.path.join(HERE, f"{name}.snmprec"), "w") as f:
        for oid, tag, value in rows:
            f.write(f"{oid}|{tag}|{value}\n")
