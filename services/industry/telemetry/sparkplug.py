"""Sparkplug B: the topic namespace and the protobuf Payload, defined in code (no protoc needed).

The message follows sparkplug_b.proto of Eclipse Tahu (package org.eclipse.tahu.protobuf), field numbers
unchanged; the parts we do not read (metadata, property sets, data sets, templates) are left out, and
protobuf skips them when a full client sends them."""

from dataclasses import dataclass

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

NAMESPACE = "spBv1.0"
MESSAGE_TYPES = {"NBIRTH", "NDEATH", "DBIRTH", "DDEATH", "NDATA", "DDATA", "NCMD", "DCMD", "STATE"}

# Sparkplug B data types (Tahu DataType enum), those with a number we store.
DATATYPES = {
    "Int8": 1, "Int16": 2, "Int32": 3, "Int64": 4, "UInt8": 5, "UInt16": 6, "UInt32": 7, "UInt64": 8,
    "Float": 9, "Double": 10, "Boolean": 11, "String": 12, "DateTime": 13, "Text": 14,
}
_INT_FIELD = {1: "int_value", 2: "int_value", 3: "int_value", 5: "int_value", 6: "int_value", 7: "int_value",
              4: "long_value", 8: "long_value", 13: "long_value"}


def _build_payload_class():
    f = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="aicity_sparkplug_b.proto", package="org.eclipse.tahu.protobuf", syntax="proto2"
    )
    payload = file.message_type.add(name="Payload")
    metric = payload.nested_type.add(name="Metric")

    def field(msg, name, number, ftype, label=f.LABEL_OPTIONAL, type_name=None, oneof=None):
        fd = msg.field.add(name=name, number=number, type=ftype, label=label)
        if type_name:
            fd.type_name = type_name
        if oneof is not None:
            fd.oneof_index = oneof

    field(payload, "timestamp", 1, f.TYPE_UINT64)
    field(payload, "metrics", 2, f.TYPE_MESSAGE, f.LABEL_REPEATED, ".org.eclipse.tahu.protobuf.Payload.Metric")
    field(payload, "seq", 3, f.TYPE_UINT64)
    field(payload, "uuid", 4, f.TYPE_STRING)
    field(payload, "body", 5, f.TYPE_BYTES)
    metric.oneof_decl.add(name="value")
    field(metric, "name", 1, f.TYPE_STRING)
    field(metric, "alias", 2, f.TYPE_UINT64)
    field(metric, "timestamp", 3, f.TYPE_UINT64)
    field(metric, "datatype", 4, f.TYPE_UINT32)
    field(metric, "is_historical", 5, f.TYPE_BOOL)
    field(metric, "is_transient", 6, f.TYPE_BOOL)
    field(metric, "is_null", 7, f.TYPE_BOOL)
    for name, number, ftype in (("int_value", 10, f.TYPE_UINT32), ("long_value", 11, f.TYPE_UINT64),
                                ("float_value", 12, f.TYPE_FLOAT), ("double_value", 13, f.TYPE_DOUBLE),
                                ("boolean_value", 14, f.TYPE_BOOL), ("string_value", 15, f.TYPE_STRING),
                                ("bytes_value", 16, f.TYPE_BYTES)):
        field(metric, name, number, ftype, oneof=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("org.eclipse.tahu.protobuf.Payload"))


Payload = _build_payload_class()


@dataclass(frozen=True)
class Topic:
    group_id: str
    message_type: str
    edge_node_id: str
    device_id: str | None = None

    @property
    def node_source(self) -> str:
        return f"spb:{self.group_id}/{self.edge_node_id}"

    @property
    def source(self) -> str:
        return self.node_source + (f"/{self.device_id}" if self.device_id else "")


def parse_topic(topic: str) -> Topic:
    """`spBv1.0/<group>/<type>/<node>[/<device>]`; raises ValueError otherwise."""
    parts = topic.split("/")
    if len(parts) < 4 or len(parts) > 5 or parts[0] != NAMESPACE:
        raise ValueError(f"not a Sparkplug B topic: {topic!r}")
    _, group, mtype, node, *device = parts
    if mtype not in MESSAGE_TYPES or not group or not node:
        raise ValueError(f"not a Sparkplug B topic: {topic!r}")
    if mtype.startswith("D") != bool(device):
        raise ValueError(f"{mtype} {'needs' if mtype.startswith('D') else 'takes no'} device id: {topic!r}")
    return Topic(group, mtype, node, device[0] if device else None)


def topic_for(group_id: str, message_type: str, edge_node_id: str, device_id: str | None = None) -> str:
    return "/".join([NAMESPACE, group_id, message_type, edge_node_id, *([device_id] if device_id else [])])


def encode(*, timestamp_ms: int, seq: int | None, metrics: list[dict]) -> bytes:
    """metrics: {name?, alias?, timestamp_ms?, value, datatype? ("Double" unless given)}."""
    msg = Payload(timestamp=timestamp_ms)
    if seq is not None:
        msg.seq = seq
    for m in metrics:
        out = msg.metrics.add()
        if m.get("name") is not None:
            out.name = m["name"]
        if m.get("alias") is not None:
            out.alias = m["alias"]
        if m.get("timestamp_ms") is not None:
            out.timestamp = m["timestamp_ms"]
        dtype = DATATYPES[m.get("datatype", "Double")]
        out.datatype = dtype
        value = m.get("value")
        if value is None:
            out.is_null = True
        elif dtype in _INT_FIELD:
            setattr(out, _INT_FIELD[dtype], int(value) & (0xFFFFFFFF if _INT_FIELD[dtype] == "int_value"
                                                         else 0xFFFFFFFFFFFFFFFF))
        elif dtype == 9:
            out.float_value = value
        elif dtype == 10:
            out.double_value = value
        elif dtype == 11:
            out.boolean_value = bool(value)
        else:
            out.string_value = str(value)
    return msg.SerializeToString()


def decode(data: bytes) -> dict:
    """Raises ValueError on a payload that is not a Sparkplug B Payload."""
    msg = Payload()
    try:
        msg.ParseFromString(data)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ValueError(f"not a Sparkplug B payload: {exc}") from None
    metrics = []
    for m in msg.metrics:
        kind = m.WhichOneof("value")
        value = None if m.is_null or kind is None else getattr(m, kind)
        if kind == "int_value" and m.datatype in (1, 2, 3) and value >= 2**31:
            value -= 2**32  # signed types travel as two's complement in an unsigned field
        elif kind == "long_value" and m.datatype == 4 and value >= 2**63:
            value -= 2**64
        metrics.append({
            "name": m.name if m.HasField("name") else None,
            "alias": m.alias if m.HasField("alias") else None,
            "timestamp_ms": m.timestamp if m.HasField("timestamp") else None,
            "datatype": m.datatype,
            "value": value,
        })
    return {
        "timestamp_ms": msg.timestamp if msg.HasField("timestamp") else None,
        "seq": msg.seq if msg.HasField("seq") else None,
        "metrics": metrics,
    }
