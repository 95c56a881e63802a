"""Pure KPI rules: ISO 22400-2 indicators from their elements, with each number's inputs, and steel indicators.

ISO 22400-2:2014 (Automation systems and integration - KPIs for manufacturing operations management):
  availability = APT / PBT                effectiveness = PRU x PQ / APT      quality ratio = GQ / PQ
  OEE index = availability x effectiveness x quality ratio
  throughput rate = PQ / AOET             scrap ratio = SQ / PQ               rework ratio = RQ / PQ
  MTBF (mean operating time between failures) = (1 / (FE + 1)) x sum of TBF, where the FE failures cut the
      period's actual production time into FE + 1 operating stretches, so sum of TBF = APT   (verify)
  MTTR (mean time to restoration) = (1 / FE) x sum of TTR                                  (verify)
  What the sources said about these two is in MAINTENANCE_KPI_SOURCES below (the standard's text itself was
  not available here).
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

# MTBF and MTTR as used here, with what was found about them. ISO 22400-2:2014 is paywalled and its formula
# text could not be read; both formulas are marked "(verify)" until someone checks clause 6 of the standard.
MAINTENANCE_KPI_SOURCES = {
    "mtbf": {
        "name": "Mean operating time between failures (ISO 22400-2 name)",
        "formula": "sum(TBF) / (FE + 1), sum(TBF) = APT (verify)",
        "source": (
            "(verify) ISO 22400-2:2014 could not be read. The HSU-AUT ontology of ISO 22400-2 "
            "(github.com/hsu-aut/IndustrialStandard-ODP-ISO22400-2, ISO22400-2.owl, class "
            "MeanOperationTimeBetweenFailures) gives the name, the inputs FE and TBF, 'the expectation of the "
            "operating time between failures (IEC 60050-191)' and 'every time a failure happens, a new TBFi is "
            "obtained', but no formula. Secondary KPI tables in public repositories use sum(TBF) / FE or "
            "APT / FE; none was found with FE + 1. FE + 1 is kept (the FE failures cut APT into FE + 1 operating "
            "stretches, and a unit without failures keeps a defined MTBF); APT / FE is shown among the inputs."
        ),
    },
    "mttr": {
        "name": "Mean time to restoration (ISO 22400-2 name; often read as 'mean time to repair')",
        "formula": "sum(TTR) / FE (verify)",
        "source": (
            "(verify) HSU-AUT ontology of ISO 22400-2 (class MeanTimeToRestoration): inputs FE and TTR (time to "
            "restoration), 'the expectation of the time to restoration (IEC 60050-191)', 'every time a failure "
            "has been restored, a new TTRi is obtained', no formula; the mean over the FE restorations is "
            "sum(TTR) / FE, which every secondary source found agrees with."
        ),
    },
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

    def __add__(self, other: "Elements") -> "Elements":
        return Elements(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True)))


def record_elements(*, pbt_s, apt_s, aoet_s, pru_s, pq, gq, sq, rq, fe, ttr_s) -> Elements:
    return Elements(pbt_s, apt_s, aoet_s, pru_s * pq, pq, gq, sq, rq, fe, ttr_s)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _kpi(key: str, label: str, value, unit: str, formula: str, inputs: dict, undefined: str | None = None,
         source: str | None = None):
    return {"key": key, "label": label, "value": value, "unit": unit, "formula": formula, "inputs": inputs,
            "note": undefined if value is None else None, "source": source}


def iso22400(e: Elements) -> list[dict]:
    a = _ratio(e.apt_s, e.pbt_s)
    eff = _ratio(e.planned_run_s, e.apt_s)
    qr = _ratio(e.gq, e.pq)
    oee = a * eff * qr if None not in (a, eff, qr) else None
    throughput = e.pq / (e.aoet_s / 3600.0) if e.aoet_s > 0 else None
    mtbf_h = e.apt_s / (e.fe + 1) / 3600.0 if e.apt_s > 0 else None
    mttr_h = e.ttr_s / e.fe / 3600.0 if e.fe > 0 else None
    return [
        _kpi("availability", "Availability", a, "ratio", "APT / PBT", {"APT_s": e.apt_s, "PBT_s": e.pbt_s},
             "undefined: planned busy time is 0"),
        _kpi("effectiveness", "Effectiveness", eff, "ratio", "PRU x PQ / APT",
             {"PRU_x_PQ_s": e.planned_run_s, "PQ": e.pq, "APT_s": e.apt_s},
             "undefined: actual production time is 0"),
        _kpi("quality_ratio", "Quality ratio", qr, "ratio", "GQ / PQ", {"GQ": e.gq, "PQ": e.pq},
             "undefined: nothing produced"),
        _kpi("oee", "OEE index", oee, "ratio", "availability x effectiveness x quality ratio",
             {"availability": a, "effectiveness": eff, "quality_ratio": qr},
             "undefined: one of its factors is undefined"),
        _kpi("throughput", "Throughput rate", throughput, "units/h", "PQ / AOET",
             {"PQ": e.pq, "AOET_s": e.aoet_s}, "undefined: no order execution time"),
        _kpi("scrap_ratio", "Scrap ratio", _ratio(e.sq, e.pq), "ratio", "SQ / PQ", {"SQ": e.sq, "PQ": e.pq},
             "undefined: nothing produced"),
        _kpi("rework_ratio", "Rework ratio", _ratio(e.rq, e.pq), "ratio", "RQ / PQ", {"RQ": e.rq, "PQ": e.pq},
             "undefined: nothing produced"),
        _kpi("mtbf", "Mean operating time between failures", mtbf_h, "h", MAINTENANCE_KPI_SOURCES["mtbf"]["formula"],
             {"APT_s": e.apt_s, "FE": e.fe,
              "APT_per_failure_h": e.apt_s / e.fe / 3600.0 if e.fe > 0 else None},
             "undefined: no production time", MAINTENANCE_KPI_SOURCES["mtbf"]["source"]),
        _kpi("mttr", "Mean time to restoration", mttr_h, "h", MAINTENANCE_KPI_SOURCES["mttr"]["formula"],
             {"TTR_s": e.ttr_s, "FE": e.fe}, "undefined: no failures", MAINTENANCE_KPI_SOURCES["mttr"]["source"]),
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
