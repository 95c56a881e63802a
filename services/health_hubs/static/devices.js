// Device adapters of the health kiosk: where a blood-pressure reading and a glucose reading come from.
//
// The interface every adapter implements (the kiosk page knows nothing else):
//   bp.measure()      -> Promise<{systolic_mmhg, diastolic_mmhg, map_mmhg, pulse_bpm,
//                                 body_movement, cuff_loose, irregular_pulse, device_time}>
//   glucose.measure() -> Promise<{glucose_mg_dl, sample_type, sequence_number, device_time}>
// Both reject with DeviceError(code) when the device fails (code: "cancelled", "no_device", "device_error").
//
// Two implementations: a simulated cuff and meter (demo and tests; scripted from the page or by ?sim=), and
// Web Bluetooth readers of the standard GATT characteristics Blood Pressure Measurement (0x2A35) and Glucose
// Measurement (0x2A18), parsed as the Bluetooth SIG's BLS 1.1 and GLS 1.0 specifications lay them out.
"use strict";

const KioskDevices = (() => {
  class DeviceError extends Error {
    constructor(code, message) {
      super(message || code);
      this.code = code;
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ---- IEEE-11073 16-bit SFLOAT (4-bit exponent, 12-bit mantissa, both signed) ---------------------------
  function sfloat(raw) {
    const specials = { 0x07ff: NaN, 0x0800: NaN, 0x07fe: Infinity, 0x0802: -Infinity, 0x0801: NaN };
    if (raw in specials) return specials[raw];
    let mantissa = raw & 0x0fff;
    let exponent = raw >> 12;
    if (mantissa >= 0x0800) mantissa -= 0x1000;
    if (exponent >= 0x8) exponent -= 0x10;
    return mantissa * Math.pow(10, exponent);
  }

  function dateTime(view, offset) {
    const year = view.getUint16(offset, true);
    const [mo, d, h, mi, s] = [2, 3, 4, 5, 6].map((i) => view.getUint8(offset + i));
    if (!year || !mo || !d) return null; // "unknown" per the spec
    // The device clock has no zone; the kiosk reports it as local wall time turned into an instant.
    return new Date(year, mo - 1, d, h, mi, s).toISOString();
  }

  // Blood Pressure Measurement (0x2A35)
  function parseBloodPressure(view) {
    const flags = view.getUint8(0);
    const kpa = flags & 0x01;
    let o = 1;
    const factor = kpa ? 7.50062 : 1; // kPa -> mmHg
    const systolic = sfloat(view.getUint16(o, true)) * factor;
    const diastolic = sfloat(view.getUint16(o + 2, true)) * factor;
    const map = sfloat(view.getUint16(o + 4, true)) * factor;
    o += 6;
    let deviceTime = null;
    if (flags & 0x02) {
      deviceTime = dateTime(view, o);
      o += 7;
    }
    let pulse = null;
    if (flags & 0x04) {
      pulse = sfloat(view.getUint16(o, true));
      o += 2;
    }
    let userId = null;
    if (flags & 0x08) {
      userId = view.getUint8(o);
      o += 1;
    }
    let status = 0;
    if (flags & 0x10) {
      status = view.getUint16(o, true);
      o += 2;
    }
    return {
      systolic_mmhg: Math.round(systolic),
      diastolic_mmhg: Math.round(diastolic),
      map_mmhg: Number.isFinite(map) ? Math.round(map) : null,
      pulse_bpm: Number.isFinite(pulse) ? Math.round(pulse) : null,
      user_id: userId,
      body_movement: Boolean(status & 0x0001),
      cuff_loose: Boolean(status & 0x0002),
      irregular_pulse: Boolean(status & 0x0004),
      improper_position: Boolean(status & 0x0020),
      device_time: deviceTime || new Date().toISOString(),
    };
  }

  const SAMPLE_TYPES = {
    1: "capillary_whole_blood", 2: "capillary_plasma", 3: "venous_whole_blood", 4: "venous_plasma",
    5: "arterial_whole_blood", 6: "arterial_plasma", 7: "undetermined_whole_blood",
    8: "undetermined_plasma", 9: "interstitial_fluid", 10: "control_solution",
  };

  // Glucose Measurement (0x2A18)
  function parseGlucose(view) {
    const flags = view.getUint8(0);
    let o = 1;
    const sequence = view.getUint16(o, true);
    o += 2;
    let base = dateTime(view, o);
    o += 7;
    if (flags & 0x01) {
      const offsetMin = view.getInt16(o, true);
      o += 2;
      if (base) base = new Date(Date.parse(base) + offsetMin * 60000).toISOString();
    }
    let mgdl = null;
    let sampleType = null;
    if (flags & 0x02) {
      const value = sfloat(view.getUint16(o, true));
      const typeLocation = view.getUint8(o + 2);
      o += 3;
      // units: kg/L (flag clear) -> x 100000 mg/dL; mol/L (flag set) -> mmol/L x 18.016 mg/dL (glucose 180.16 g/mol)
      mgdl = flags & 0x04 ? value * 1000 * 18.016 : value * 100000;
      sampleType = SAMPLE_TYPES[typeLocation & 0x0f] || "undetermined";
    }
    let sensorStatus = 0;
    if (flags & 0x08) sensorStatus = view.getUint16(o, true);
    return {
      glucose_mg_dl: mgdl === null ? null : Math.round(mgdl),
      sample_type: sampleType,
      sequence_number: sequence,
      sensor_status: sensorStatus,
      device_time: base || new Date().toISOString(),
    };
  }

  // ---- Web Bluetooth readers (a real cuff / meter; needs a user gesture and a secure context) -----------
  async function bluetoothNotification(service, characteristic, parse, timeoutMs = 120000) {
    if (!navigator.bluetooth) throw new DeviceError("no_device", "Web Bluetooth is not available");
    let device;
    try {
      device = await navigator.bluetooth.requestDevice({ filters: [{ services: [service] }] });
    } catch (err) {
      throw new DeviceError("cancelled", String(err));
    }
    const server = await device.gatt.connect();
    try {
      const svc = await server.getPrimaryService(service);
      const ch = await svc.getCharacteristic(characteristic);
      const value = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new DeviceError("device_error", "no reading")), timeoutMs);
        ch.addEventListener("characteristicvaluechanged", (e) => {
          clearTimeout(timer);
          resolve(e.target.value);
        }, { once: true });
        ch.startNotifications().catch(reject);
      });
      return parse(value);
    } finally {
      server.disconnect();
    }
  }

  const bluetoothCuff = {
    name: "bluetooth-cuff",
    measure: () => bluetoothNotification("blood_pressure", "blood_pressure_measurement", parseBloodPressure),
  };
  const bluetoothMeter = {
    name: "bluetooth-meter",
    // a meter sends its stored records on a Record Access Control Point request; the newest arrives as 0x2A18
    measure: () => bluetoothNotification("glucose", "glucose_measurement", parseGlucose),
  };

  // ---- simulated cuff and meter -------------------------------------------------------------------------
  // Scripted readings are taken first (window.KioskDevices.simCuff.script([...])); then a scenario's values.
  const SCENARIOS = {
    normal: { bp: [[118, 76, 68], [116, 74, 70]], glucose: [95] },
    high: { bp: [[152, 94, 74], [148, 92, 76]], glucose: [142] },
    crisis: { bp: [[192, 124, 96], [188, 122, 98]], glucose: [250] },
    differ: { bp: [[150, 90, 72], [128, 80, 70], [132, 82, 70]], glucose: [110] },
    hypo: { bp: [[124, 78, 80], [122, 78, 80]], glucose: [48] },
  };

  function makeSimCuff(scenarioName, delayMs) {
    const queue = [];
    let n = 0;
    return {
      name: "simulated-cuff",
      script(readings) {
        queue.push(...readings);
      },
      async measure() {
        await sleep(delayMs);
        const scenario = SCENARIOS[scenarioName] || SCENARIOS.normal;
        const next = queue.length ? queue.shift() : null;
        const [s, d, p] = next ? [next.systolic_mmhg, next.diastolic_mmhg, next.pulse_bpm ?? 72]
          : scenario.bp[Math.min(n, scenario.bp.length - 1)];
        n += 1;
        return {
          systolic_mmhg: s, diastolic_mmhg: d, map_mmhg: Math.round(d + (s - d) / 3), pulse_bpm: p,
          body_movement: Boolean(next && next.body_movement), cuff_loose: Boolean(next && next.cuff_loose),
          irregular_pulse: Boolean(next && next.irregular_pulse), device_time: new Date().toISOString(),
        };
      },
    };
  }

  function makeSimMeter(scenarioName, delayMs) {
    const queue = [];
    let sequence = 100;
    return {
      name: "simulated-meter",
      script(readings) {
        queue.push(...readings);
      },
      async measure() {
        await sleep(delayMs);
        const scenario = SCENARIOS[scenarioName] || SCENARIOS.normal;
        const next = queue.length ? queue.shift() : null;
        sequence += 1;
        return {
          glucose_mg_dl: next ? next.glucose_mg_dl : scenario.glucose[0],
          sample_type: (next && next.sample_type) || "capillary_whole_blood",
          sequence_number: sequence,
          device_time: new Date().toISOString(),
        };
      },
    };
  }

  // ?devices=bluetooth picks the real readers; anything else the simulated pair (?sim=<scenario>).
  function choose(params) {
    const delayMs = Number(params.get("device_ms") || (params.get("demo") ? 600 : 2500));
    const scenario = params.get("sim") || "normal";
    const simCuff = makeSimCuff(scenario, delayMs);
    const simMeter = makeSimMeter(scenario, delayMs);
    const bluetooth = params.get("devices") === "bluetooth";
    return {
      bp: bluetooth ? bluetoothCuff : simCuff,
      glucose: bluetooth ? bluetoothMeter : simMeter,
      simCuff,
      simMeter,
    };
  }

  return { DeviceError, sfloat, parseBloodPressure, parseGlucose, choose, SCENARIOS };
})();
