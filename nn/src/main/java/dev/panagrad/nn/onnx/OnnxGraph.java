package dev.panagrad.nn.onnx;

import com.google.protobuf.ByteString;
import dev.panagrad.engine.Tensor;
import dev.panagrad.nn.onnx.proto.Onnx.AttributeProto;
import dev.panagrad.nn.onnx.proto.Onnx.GraphProto;
import dev.panagrad.nn.onnx.proto.Onnx.ModelProto;
import dev.panagrad.nn.onnx.proto.Onnx.NodeProto;
import dev.panagrad.nn.onnx.proto.Onnx.OperatorSetIdProto;
import dev.panagrad.nn.onnx.proto.Onnx.TensorProto;
import dev.panagrad.nn.onnx.proto.Onnx.TensorShapeProto;
import dev.panagrad.nn.onnx.proto.Onnx.TypeProto;
import dev.panagrad.nn.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Builds an ONNX graph one node at a time: float initializers from tensors, nodes with integer, float
 * and integer-list attributes, and float inputs and outputs whose dimensions are numbers or names. The
 * messages are those of {@code src/main/proto/onnx.proto}; {@link #model} wraps the graph in a model of
 * IR version 7 that imports the default operator set at {@link #OPSET}.
 */
final class OnnxGraph {
    /** The operator set the nodes follow (Conv, BatchNormalization, Gemm, ... as of ONNX 1.8). */
    static final int OPSET = 13;
    /** The IR version that goes with operator set 13. */
    static final int IR_VERSION = 7;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** Adds {@code value} as a constant named {@code name} (its shape and float values); returns the name. */
    String initializer(String name, Tensor value) {
        claim(name);
        float[] values = value.toArray();
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
        for (int d : value.dims()) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds a node computing {@code output} from {@code inputs}; returns the output's name. */
    String node(String opType, String name, String output, String[] inputs, AttributeProto... attributes) {
        claim(output);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return output;
    }

    /** A float input; each dimension is a size ({@code Integer}) or a symbolic name ({@code String}). */
    void input(String name, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, dims));
    }

    /** A float output of a value computed by a node. */
    void output(String name, Object... dims) {
        graph.addOutput(valueInfo(name, dims));
    }

    ModelProto model(String producerVersion, String docString) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("panagrad")
                .setProducerVersion(producerVersion)
                .setDocString(docString)
                .setGraph(graph)
                .build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("onnx export: two values named '" + name + "' in graph " + graph.getName());
        }
    }

    private static ValueInfoProto valueInfo(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer size) {
                dim.setDimValue(size);
            } else {
                dim.setDimParam(d.toString());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
