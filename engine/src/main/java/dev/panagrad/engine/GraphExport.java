package dev.panagrad.engine;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The autodiff graph behind a tensor as Graphviz DOT, for teaching and debugging: one box per recorded
 * op (its name and output shape), one ellipse per input tensor outside the graph, filled when it
 * requires grad (a leaf that will receive {@code .grad}) and grey when it is a constant, and edges in
 * the direction values flow. Render with {@code dot -Tsvg graph.dot -o graph.svg}.
 *
 * <pre>{@code
 * Files.writeString(Path.of("graph.dot"), GraphExport.toDot(loss, model.namedParameters()));
 * }</pre>
 */
public final class GraphExport {
    private GraphExport() {
    }

    /** The graph that produced {@code root}. */
    public static String toDot(Tensor root) {
        return toDot(root, Map.of());
    }

    /** The graph that produced {@code root}, with leaves labelled by the names given for them (parameters). */
    public static String toDot(Tensor root, Map<String, Tensor> names) {
        Map<Tensor, String> labels = new IdentityHashMap<>();
        names.forEach((name, t) -> labels.put(t, name));
        Map<Object, String> ids = new IdentityHashMap<>();
        StringBuilder sb = new StringBuilder("digraph autograd {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n");
        String out = id(ids, root);
        sb.append("  ").append(out).append(" [label=\"").append(escape(labels.getOrDefault(root, "output"))).append("\\n")
                .append(root.shape()).append("\", shape=doubleoctagon];\n");
        Node rootNode = root.gradFn();
        if (rootNode == null) {
            return sb.append("}\n").toString();
        }
        sb.append("  ").append(id(ids, rootNode)).append(" -> ").append(out).append(";\n");
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(rootNode);
        java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(rootNode);
        while (!todo.isEmpty()) {
            Node node = todo.poll();
            String nid = id(ids, node);
            sb.append("  ").append(nid).append(" [label=\"").append(escape(node.op())).append("\\n")
                    .append(node.outputShape()).append("\", shape=box];\n");
            for (Tensor input : node.inputs()) {
                Node producer = input.gradFn();
                if (producer != null) {
                    sb.append("  ").append(id(ids, producer)).append(" -> ").append(nid).append(";\n");
                    if (seen.add(producer)) {
                        todo.add(producer);
                    }
                    continue;
                }
                boolean declared = ids.containsKey(input);
                String tid = id(ids, input);
                if (!declared) {
                    String name = labels.get(input);
                    if (input.requiresGrad()) {
                        sb.append("  ").append(tid).append(" [label=\"").append(escape(name == null ? "leaf" : name))
                                .append("\\n").append(input.shape())
                                .append("\\nrequires grad\", shape=ellipse, style=filled, fillcolor=\"#cfe3ff\"];\n");
                    } else {
                        sb.append("  ").append(tid).append(" [label=\"").append(escape(name == null ? "constant" : name))
                                .append("\\n").append(input.shape())
                                .append("\", shape=ellipse, color=gray, fontcolor=gray];\n");
                    }
                }
                sb.append("  ").append(tid).append(" -> ").append(nid).append(";\n");
            }
        }
        return sb.append("}\n").toString();
    }

    private static String id(Map<Object, String> ids, Object o) {
        return ids.computeIfAbsent(o, k -> (k instanceof Node ? "op" : "t") + ids.size());
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
