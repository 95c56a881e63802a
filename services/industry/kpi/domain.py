"""Pure KPI rules: ISO 22400-2 indicators from their elements, with each number's inputs, and steel indicators.

ISO 22400-2:2014 (Automation systems and integration - KPIs for manufacturing operations management):
  availability = APT / PBT                effectiveness = PRU x PQ / APT      quality ratio = GQ / PQ
  OEE index = availability x effectiveness x quality ratio
  throughput rate = PQ / AOET             scrap ratio = SQ / PQ               rework ratio = RQ / PQ
  MTBF (mean operating time between failures) = sum of TBF / FE    MTTR (mean time to restoration) = sum of TTR / FE
  Both are undefined (null, with the reason) when FE = 0: there is no failure to average over.
  Each KPI's definition is data in KPI_DEFINITIONS (formula, unit, source); MAINTENANCE_KPI_SOURCES says how the
  two reliability formulas were settled.
A ratio with a zero denominator is undefined (null, with the reason), never 0 or 100 %. Effectiveness may
exceed 100 % when a unit runs faster than planned: it is reported as measured, never clipped."""

from dataclasses import dataclass

# Benchmarks, each with its source (DOMAIN.md).
OEE_BENCHMARKS = {
    "world_class": {"value": 0.85, "note": "90% x 95% x 99.9%", "source": "Nakajima / common OEE practice"},
    "typical": {"value": 0.60, "source": "common OEE practice"},
}
STEEL_BENCHMARKS = {
    "co2_t_per_t": {"value": 1.91, "unit": "t CO2/t crude steel", "label": "worldsteel average 2022",
                    "source": "worldsteel Sustainability Indicators 2023 (2022 data)"},
    "energy_gj_per_t": {"value": 20.99, "unit": "GJ/t crude steel", "label": "worldsteel average 2022",
                        "source": "worldsteel Sustainability Indicators 2023 (2022 data)"},
    "productivity_t_day_m3": {"value": 3.0, "unit": "t/day/m3", "label": "POSCO blast furnaces (about)",
                              "source": "DOMAIN.md, verify against POSCO reports"},
    "fuel_rate_kg_thm": {"value": -4.0, "unit": "kg/tHM", "label": "POSCO smart blast furnace (Pohang No. 2) change",
                         "source": "POSCO press releases on the AI blast furnace (change vs. before, not a level)"},
}

# MTBF and MTTR: the former "(verify)" marks are resolved. ISO 22400-2:2014 names MTBF "mean operating time
# between failures" and MTTR "mean time to restoration" and takes both from IEC 60050-191, where a mean is the
# expectation over the failures: the sum of the times over the number of failure events (DOMAIN.md, Industry).
MAINTENANCE_KPI_SOURCES = {
    "mtbf": {
        "name": "Mean operating time between failures (ISO 22400-2 name)",
        "formula": "sum(TBF) / FE",
        "source": (
            "ISO 22400-2:2014 KPI 'mean operating time between failures' (inputs FE and TBF; 'every time a "
            "failure happens, a new TBFi is obtained', HSU-AUT ontology of ISO 22400-2, class "
            "MeanOperationTimeBetweenFailures) with IEC 60050-191 (the expectation of the operating time between "
            "failures): sum of the recorded times between failures over the FE failure events. When the times "
            "between failures are not recorded apart, the record's actual production time (APT) is their sum. "
            "Undefined when FE = 0. Resolved: the earlier APT / (FE + 1) was not the standard's formula."
        ),
    },
    "mttr": {
        "name": "Mean time to restoration (ISO 22400-2 name; often read as 'mean time to repair')",
        "formula": "sum(TTR) / FE",
        "source": (
            "ISO 22400-2:2014 KPI 'mean time to restoration' (inputs FE and TTR; 'every time a failure has been "
            "restored, a new TTRi is obtained', HSU-AUT ontology class MeanTimeToRestoration) with IEC 60050-191 "
            "(the expectation of the time to restoration): sum of the times to restoration over the FE failure "
            "events. Undefined when FE = 0."
        ),
    },
}

ISO = "ISO 22400-2:2014, KPIs for manufacturing operations management (DOMAIN.md, Industry)"
# Every KPI computed here, as data: what it is, its formula in the standard's element names, and where it is from.
KPI_DEFINITIONS: dict[str, dict] = {
    "availability": {"label": "Availability", "formula": "APT / PBT", "unit": "ratio", "source": ISO},
    "effectiveness": {"label": "Effectiveness", "formula": "PRU x PQ / APT", "unit": "ratio", "source": ISO},
    "quality_ratio": {"label": "Quality ratio", "formula": "GQ / PQ", "unit": "ratio", "source": ISO},
    "oee": {"label": "OEE index", "formula": "availability x effectiveness x quality ratio", "unit": "ratio",
            "source": ISO},
    "throughput": {"label": "Throughput rate", "formula": "PQ / AOET", "unit": "units/h", "source": ISO},
    "scrap_ratio": {"label": "Scrap ratio", "formula": "SQ / PQ", "unit": "ratio", "source": ISO},
    "rework_ratio": {"label": "Rework ratio", "formula": "RQ / PQ", "unit": "ratio", "source": ISO},
    "mtbf": {"label": "Mean operating time between failures", "formula": MAINTENANCE_KPI_SOURCES["mtbf"]["formula"],
             "unit": "h", "source": MAINTENANCE_KPI_SOURCES["mtbf"]["source"]},
    "mttr": {"label": "Mean time to restoration", "formula": MAINTENANCE_KPI_SOURCES["mttr"]["formula"],
             "unit": "h", "source": MAINTENANCE_KPI_SOURCES["mttr"]["source"]},
}


@dataclass(frozen=True)
class Elements:
    pbt_s: float = 0.0
    apt_s: float = 0.0
    aoet_s: float = 0.0
    planned_run_s: float = 0.0  # sum of PRU x PQ over the records (PRU may differ between orders)
    pq: float = 0.0
    gq: float = 0.0
    sq: float = 0.0
    rq: float = 0.0
    fe: int = 0
    ttr_s: float = 0.0
    tbf_s: float = 0.0  # sum of the times between failures (a record's APT when they are not recorded apart)

    def __add__(self, other: "Elements") -> "Elements":
        return Elements(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True)))


def record_elements(*, pbt_s, apt_s, aoet_s, pru_s, pq, gq, sq, rq, fe, ttr_s, tbf_s=None) -> Elements:
    """`tbf_s`: the recorded times between failures, summed; None when not recorded apart (APT stands in)."""
    return Elements(pbt_s, apt_s, aoet_s, pru_s * pq, pq, gq, sq, rq, fe, ttr_s, apt_s if tbf_s is None else tbf_s)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _kpi(key: str, label: str, value, unit: str, formula: str, inputs: dict, undefined: str | None = None,
         source: str | None = None):
    return {"key": key, "label": label, "value": value, "unit": unit, "formula": formula, "inputs": inputs,
            "note": undefined if value is None else None, "source": source}


def _iso(key: str, value, inputs: dict, undefined: str) -> dict:
    d = KPI_DEFINITIONS[key]
    return _kpi(key, d["label"], value, d["unit"], d["formula"], inputs, undefined, d["source"])


def iso22400(e: Elements) -> list[dict]:
    a = _ratio(e.apt_s, e.pbt_s)
    eff = _ratio(e.planned_run_s, e.apt_s)
    qr = _ratio(e.gq, e.pq)
    oee = a * eff * qr if None not in (a, eff, qr) else None
    throughput = e.pq / (e.aoet_s / 3600.0) if e.aoet_s > 0 else None
    mtbf_h = e.tbf_s / e.fe / 3600.0 if e.fe > 0 else None
    mttr_h = e.ttr_s / e.fe / 3600.0 if e.fe > 0 else None
    return [
        _iso("availability", a, {"APT_s": e.apt_s, "PBT_s": e.pbt_s}, "undefined: planned busy time is 0"),
        _iso("effectiveness", eff, {"PRU_x_PQ_s": e.planned_run_s, "PQ": e.pq, "APT_s": e.apt_s},
             "undefined: actual production time is 0"),
        _iso("quality_ratio", qr, {"GQ": e.gq, "PQ": e.pq}, "undefined: nothing produced"),
        _iso("oee", oee, {"availability": a, "effectiveness": eff, "quality_ratio": qr},
             "undefined: one of its factors is undefined"),
        _iso("throughput", throughput, {"PQ": e.pq, "AOET_s": e.aoet_s}, "undefined: no order execution time"),
        _iso("scrap_ratio", _ratio(e.sq, e.pq), {"SQ": e.sq, "PQ": e.pq}, "undefined: nothing produced"),
        _iso("rework_ratio", _ratio(e.rq, e.pq), {"RQ": e.rq, "PQ": e.pq}, "undefined: nothing produced"),
        _iso("mtbf", mtbf_h, {"TBF_sum_s": e.tbf_s, "FE": e.fe, "APT_s": e.apt_s},
             "undefined: no failure events (FE = 0), so no time between failures to average"),
        _iso("mttr", mttr_h, {"TTR_sum_s": e.ttr_s, "FE": e.fe},
             "undefined: no failure events (FE = 0), so no restoration to average"),
    ]


def kpi_value(kpis: list[dict], key: str):
    return next(k["value"] for k in kpis if k["key"] == key)


def steel_indicators(*, sums: dict[str, float], working_volume_m3: float | None, days: float) -> list[dict]:
    """sums by quantity over the period: hot_metal_mass (t), coke_mass and pci_mass (kg), energy (GJ),
    co2_mass (t), crude_steel_mass (t)."""
    hm = sums.get("hot_metal_mass", 0.0)
    fuel = sums.get("coke_mass", 0.0) + sums.get("pci_mass", 0.0)
    steel = sums.get("crude_steel_mass", 0.0)
    productivity = hm / days / working_volume_m3 if working_volume_m3 and days > 0 and hm > 0 else None
    out = [
        _kpi("fuel_rate_kg_thm", "Fuel rate (coke + PCI)", _ratio(fuel, hm), "kg/tHM", "(coke + PCI) / hot metal",
             {"coke_kg": sums.get("coke_mass", 0.0), "pci_kg": sums.get("pci_mass", 0.0), "hot_metal_t": hm},
             "undefined: no hot metal"),
        _kpi("productivity_t_day_m3", "Furnace productivity", productivity, "t/day/m3",
             "hot metal / days / working volume", {"hot_metal_t": hm, "days": days, "working_volume_m3":
                                                   working_volume_m3}, "undefined: no hot metal or no volume"),
        _kpi("energy_gj_per_t", "Energy intensity", _ratio(sums.get("energy", 0.0), steel), "GJ/t",
             "energy / crude steel", {"energy_GJ": sums.get("energy", 0.0), "crude_steel_t": steel},
             "undefined: no crude steel"),
        _kpi("co2_t_per_t", "CO2 intensity", _ratio(sums.get("co2_mass", 0.0), steel), "t/t",
             "CO2 / crude steel", {"co2_t": sums.get("co2_mass", 0.0), "crude_steel_t": steel},
             "undefined: no crude steel"),
    ]
    for k in out:
        k["benchmark"] = STEEL_BENCHMARKS[k["key"]]
    return out
