package dev.panagrad.engine.backend.opencl;

import com.aparapi.Kernel;

/**
 * Every OpenCL kernel of the backend, as one Aparapi kernel whose {@link #run()} dispatches on
 * {@link #op}. One class, because Aparapi ties device buffers to a kernel object's fields: all ops share
 * the device arena {@link #mem}, which is put on the device once and never copied back as a whole.
 * Tensors live in regions of the arena; {@link #stage} and {@link #istage} carry one upload or download
 * at a time. One entry point, because Aparapi compiles only the first entry point a kernel object runs.
 *
 * <p>The code below is translated to OpenCL C by Aparapi, so it keeps to what the translator accepts:
 * no objects, no {@code break} or {@code continue}, float arithmetic, and infinities and NaN passed in as
 * fields rather than written as constants. Every reduction sums in a fixed order, so results do not
 * depend on scheduling. Parameters travel in the scalar fields ({@code o*}: offsets into the arena,
 * {@code i*}: sizes and flags, {@code f*}: scalars) and, for shapes and strides, in {@link #meta}.
 *
 * <p>The host side, which allocates regions, moves data and launches ops, is {@link OpenClBackend}.
 */
public final class OpenClKernel extends Kernel {
    // ---- op codes -----------------------------------------------------------------------------------
    static final int UPLOAD = 1;
    static final int DOWNLOAD = 2;
    static final int FILL = 3;
    static final int COPY = 4;
    static final int STRIDED_COPY = 5;
    static final int UNARY = 6;
    static final int UNARY_BACKWARD = 7;
    static final int BINARY = 8;
    static final int SELECT = 9;
    static final int AXPY = 10;
    static final int REDUCE_ROWS = 11;
    static final int REDUCE_GROUPS = 12;
    static final int GEMM = 13;
    static final int SOFTMAX = 14;
    static final int SOFTMAX_BACKWARD = 15;
    static final int INDEX_SELECT = 16;
    static final int INDEX_ADD = 17;
    static final int GATHER = 18;
    static final int SCATTER_ADD = 19;
    static final int IM2COL = 20;
    static final int COLUMNS_TO_NCHW = 21;
    static final int NCHW_TO_COLUMNS = 22;
    static final int COL2IM = 23;
    static final int CHANNEL_SUM = 24;
    static final int MAX_POOL = 25;
    static final int MAX_POOL_BACKWARD = 26;
    static final int AVG_POOL = 27;
    static final int AVG_POOL_BACKWARD = 28;
    static final int ADAPTIVE_POOL = 29;
    static final int ADAPTIVE_POOL_BACKWARD = 30;
    static final int BN_STATISTICS = 31;
    static final int CHANNEL_AFFINE = 32;
    static final int BN_BACKWARD_SUMS = 33;
    static final int BN_BACKWARD_INPUT = 34;
    static final int CANARY = 35;
    static final int SPLIT_K_SUM = 36;
    static final int SGD_STEP = 37;
    static final int GEMM_WIDE = 38;
    static final int POLYNOMIAL_DIFFERENCE = 39;
    static final int CONVOLUTION_GEMM = 40;
    static final int ADD_RELU = 41;
    static final int BN_SCALE_SHIFT = 42;
    static final int BN_RUNNING_UPDATE = 43;
    static final int SGD_STEPS = 44;
    static final int BN_COMBINE_STATISTICS = 45;
    static final int BN_COMBINE_SUMS = 46;
    static final int BN_TRAINING_CHANNELS = 47;

    /** The op codes' names, for the backend's launch statistics. */
    static String opName(int code) {
        return switch (code) {
            case UPLOAD -> "upload";
            case DOWNLOAD -> "download";
            case FILL -> "fill";
            case COPY -> "copy";
            case STRIDED_COPY -> "strided copy";
            case UNARY -> "unary";
            case UNARY_BACKWARD -> "unary backward";
            case BINARY -> "binary";
            case SELECT -> "select";
            case AXPY -> "axpy";
            case REDUCE_ROWS -> "reduce (thread per output)";
            case REDUCE_GROUPS -> "reduce (work-group per output)";
            case GEMM -> "gemm";
            case SOFTMAX -> "softmax";
            case SOFTMAX_BACKWARD -> "softmax backward";
            case INDEX_SELECT -> "index select";
            case INDEX_ADD -> "index add";
            case GATHER -> "gather";
            case SCATTER_ADD -> "scatter add";
            case IM2COL -> "im2col";
            case COLUMNS_TO_NCHW -> "columns to NCHW";
            case NCHW_TO_COLUMNS -> "NCHW to columns";
            case COL2IM -> "col2im";
            case CHANNEL_SUM -> "channel sum";
            case MAX_POOL -> "max pool";
            case MAX_POOL_BACKWARD -> "max pool backward";
            case AVG_POOL -> "avg pool";
            case AVG_POOL_BACKWARD -> "avg pool backward";
            case ADAPTIVE_POOL -> "adaptive pool";
            case ADAPTIVE_POOL_BACKWARD -> "adaptive pool backward";
            case BN_STATISTICS -> "batch-norm statistics";
            case CHANNEL_AFFINE -> "channel affine";
            case BN_BACKWARD_SUMS -> "batch-norm backward sums";
            case BN_BACKWARD_INPUT -> "batch-norm backward input";
            case CANARY -> "canary";
            case SPLIT_K_SUM -> "split-k sum";
            case SGD_STEP -> "sgd step";
            case GEMM_WIDE -> "gemm 128 x 64";
            case POLYNOMIAL_DIFFERENCE -> "polynomial difference";
            case CONVOLUTION_GEMM -> "convolution gemm (operands gathered)";
            case ADD_RELU -> "add + relu";
            case BN_SCALE_SHIFT -> "batch-norm scale and shift";
            case BN_RUNNING_UPDATE -> "batch-norm running statistics";
            case SGD_STEPS -> "sgd steps (all tensors)";
            case BN_COMBINE_STATISTICS -> "batch-norm statistics of the slices, combined";
            case BN_COMBINE_SUMS -> "batch-norm backward sums of the slices, added";
            case BN_TRAINING_CHANNELS -> "batch-norm statistics, running update, scale and shift";
            default -> "op " + code;
        };
    }

    // ---- element-wise function codes (UnaryOp, BinaryOp, ReduceOp) ----------------------------------
    static final int U_NEG = 0;
    static final int U_AFFINE = 1;
    static final int U_EXP = 2;
    static final int U_LOG = 3;
    static final int U_SQRT = 4;
    static final int U_POW = 5;
    static final int U_ABS = 6;
    static final int U_RELU = 7;
    static final int U_SIGMOID = 8;
    static final int U_TANH = 9;
    static final int U_CLAMP = 10;

    static final int B_ADD = 0;
    static final int B_SUB = 1;
    static final int B_MUL = 2;
    static final int B_DIV = 3;
    static final int B_MAX = 4;
    static final int B_MIN = 5;
    static final int B_GT = 6;
    static final int B_GE = 7;
    static final int B_LT = 8;
    static final int B_LE = 9;
    static final int B_EQ = 10;
    static final int B_NE = 11;

    static final int R_SUM = 0;
    static final int R_MAX = 1;
    static final int R_MIN = 2;

    /** Offsets of the meta array: shape, then up to three stride vectors (8 dimensions at most). */
    static final int MAX_RANK = 8;
    static final int META_SHAPE = 0;
    static final int META_STRIDES_A = 8;
    static final int META_STRIDES_B = 16;
    static final int META_STRIDES_C = 24;
    static final int META_LENGTH = 64;

    /**
     * How GEMM reads an operand (A in i0, B in i1). The first two are matrices in memory; the others
     * gather a convolution's operands from its tensors (geometry in meta), so that no column matrix is
     * ever written: see {@link #gemmTile()}.
     */
    static final int MATRIX = 0;
    static final int MATRIX_TRANSPOSED = 1;
    /** A: the output gradient [image, out-channel, position] read as rows (out-channel) by columns (image, position). */
    static final int OUTPUT_GRADIENT = 2;
    /** B: the input's patches, rows (channel, ky, kx) by columns (image, oy, ox); C is then written as NCHW. */
    static final int PATCHES = 3;
    /** B: the same patches transposed, rows (image, oy, ox) by columns (channel, ky, kx). */
    static final int PATCHES_TRANSPOSED = 4;
    /**
     * A: a convolution's weights [out-channel, in-channel, ky, kx] flipped and transposed, rows (in-channel)
     * by columns (out-channel, kh - 1 - ky, kw - 1 - kx): the weights of its input gradient's convolution.
     * The geometry in meta is that convolution's, whose out-channels are the weights' in-channels.
     */
    static final int FLIPPED_WEIGHTS = 5;

    /** Work-group tile of the GEMM: TS x TS threads, each computing a 4 x 4 block of C. */
    static final int MAX_TILE = 16;
    static final int MAX_GROUP = 256;

    /** The value kept at arena offset 0 to detect a lost arena (see {@link OpenClBackend}). */
    static final float CANARY_VALUE = 20_191_027f;

    // ---- buffers (public: Aparapi reads them reflectively) -----------------------------------------
    public float[] mem = new float[1];
    public float[] stage = new float[1];
    public int[] istage = new int[1];
    public int[] meta = new int[META_LENGTH];

    @Local public float[] tileA = new float[4 * MAX_TILE * MAX_TILE];
    @Local public float[] tileB = new float[4 * MAX_TILE * MAX_TILE];
    @Local public float[] red = new float[2 * MAX_GROUP];
    /** A gathered GEMM's B columns, located once per work-group: offset, row and column of each ({@link #gemmTile()}). */
    @Local public int[] gatherColumns = new int[3 * 4 * MAX_TILE];

    // ---- parameters --------------------------------------------------------------------------------
    public int op;
    public int n;
    public int ts;
    public int group;
    public int o0;
    public int o1;
    public int o2;
    public int o3;
    public int o4;
    public int o5;
    public int i0;
    public int i1;
    public int i2;
    public int i3;
    public int i4;
    public int i5;
    public int i6;
    public int i7;
    public int i8;
    public int i9;
    public int rp;
    public float f0;
    public float f1;
    public float f2;
    public float f3;
    public float nan = Float.NaN;
    public float negInf = Float.NEGATIVE_INFINITY;
    public float posInf = Float.POSITIVE_INFINITY;

    // ---- arguments: one typed setter per op, naming the parameters its code below reads -------------
    // (Aparapi passes kernel arguments as these fields; the setters are the only place that assigns them)

    /** UPLOAD and DOWNLOAD: the arena region at {@code offset}; the element count is the region's length (a stage may be longer). */
    void transferArgs(int offset) {
        o0 = offset;
    }

    /** CANARY: writes {@code value} at offset 0 unless it is 0, then copies offset 0 into the last meta slot. */
    void canaryArgs(float value) {
        f0 = value;
    }

    /** FILL: {@code dst[i] = value}. */
    void fillArgs(int dst, float value) {
        o0 = dst;
        f0 = value;
    }

    /** COPY: {@code dst[i] = src[i]}. */
    void copyArgs(int src, int dst) {
        o0 = src;
        o1 = dst;
    }

    /** UNARY: {@code y[i] = function(x[i]; p, q)}, function a U_ code. */
    void unaryArgs(int x, int y, int function, float p, float q) {
        o0 = x;
        o1 = y;
        i0 = function;
        f0 = p;
        f1 = q;
    }

    /** UNARY_BACKWARD: {@code gx[i]} from x, y and gy. */
    void unaryBackwardArgs(int x, int y, int gy, int gx, int function, float p, float q) {
        o0 = x;
        o1 = y;
        o2 = gy;
        o3 = gx;
        i0 = function;
        f0 = p;
        f1 = q;
    }

    /** AXPY: {@code y[i] += alpha x[i]}. */
    void axpyArgs(int x, int y, float alpha) {
        o0 = x;
        o1 = y;
        f0 = alpha;
    }

    /** CHANNEL_AFFINE: {@code y = x scale[c] + shift[c]}, then ReLU when {@code relu}. */
    void channelAffineArgs(int x, int scale, int shift, int y, int channels, int spatial, boolean relu) {
        o0 = x;
        o1 = scale;
        o2 = shift;
        o3 = y;
        i0 = channels;
        i1 = spatial;
        i2 = relu ? 1 : 0;
    }

    /** ADD_RELU: {@code out[i] = relu(a[i] + b[i])}; out may be a. */
    void addReluArgs(int a, int b, int out) {
        o0 = a;
        o1 = b;
        o2 = out;
    }

    @Override
    public void run() {
        int code = op;
        if (code == UPLOAD) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o0 + i] = stage[i];
            }
        } else if (code == DOWNLOAD) {
            int i = getGlobalId(0);
            if (i < n) {
                stage[i] = mem[o0 + i];
            }
        } else if (code == FILL) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o0 + i] = f0;
            }
        } else if (code == COPY) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o1 + i] = mem[o0 + i];
            }
        } else if (code == STRIDED_COPY) {
            stridedCopyElement();
        } else if (code == UNARY) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o1 + i] = unaryValue(i0, mem[o0 + i], f0, f1);
            }
        } else if (code == UNARY_BACKWARD) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o3 + i] = unaryGrad(i0, mem[o0 + i], mem[o1 + i], mem[o2 + i], f0, f1);
            }
        } else if (code == BINARY) {
            binaryElement();
        } else if (code == SELECT) {
            selectElement();
        } else if (code == AXPY) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o1 + i] = mem[o1 + i] + f0 * mem[o0 + i];
            }
        } else if (code == SGD_STEP) {
            sgdElement();
        } else if (code == SGD_STEPS) {
            sgdStepsElement();
        } else if (code == POLYNOMIAL_DIFFERENCE) {
            polynomialDifferenceElement();
        } else if (code == REDUCE_ROWS) {
            reduceRow();
        } else if (code == REDUCE_GROUPS) {
            reduceGroup();
        } else if (code == GEMM || code == CONVOLUTION_GEMM) {
            gemmTile();
        } else if (code == GEMM_WIDE) {
            gemmWide();
        } else if (code == SPLIT_K_SUM) {
            splitKSum();
        } else if (code == SOFTMAX) {
            softmaxRow();
        } else if (code == SOFTMAX_BACKWARD) {
            softmaxBackwardRow();
        } else if (code == INDEX_SELECT) {
            indexSelectElement();
        } else if (code == INDEX_ADD) {
            indexAddLine();
        } else if (code == GATHER) {
            gatherElement();
        } else if (code == SCATTER_ADD) {
            scatterAddLine();
        } else if (code == IM2COL) {
            im2colColumn();
        } else if (code == COLUMNS_TO_NCHW) {
            columnsToNchwColumn();
        } else if (code == NCHW_TO_COLUMNS) {
            nchwToColumnsColumn();
        } else if (code == COL2IM) {
            col2imElement();
        } else if (code == CHANNEL_SUM) {
            channelSumGroup();
        } else if (code == MAX_POOL) {
            maxPoolElement();
        } else if (code == MAX_POOL_BACKWARD) {
            maxPoolBackwardElement();
        } else if (code == AVG_POOL) {
            avgPoolElement();
        } else if (code == AVG_POOL_BACKWARD) {
            avgPoolBackwardElement();
        } else if (code == ADAPTIVE_POOL) {
            adaptivePoolElement();
        } else if (code == ADAPTIVE_POOL_BACKWARD) {
            adaptivePoolBackwardElement();
        } else if (code == BN_STATISTICS) {
            bnStatisticsGroup();
        } else if (code == CHANNEL_AFFINE) {
            int i = getGlobalId(0);
            if (i < n) {
                int c = (i / i1) % i0;
                float y = mem[o0 + i] * mem[o1 + c] + mem[o2 + c];
                mem[o3 + i] = i2 != 0 ? unaryValue(U_RELU, y, 0f, 0f) : y;
            }
        } else if (code == ADD_RELU) {
            int i = getGlobalId(0);
            if (i < n) {
                mem[o2 + i] = unaryValue(U_RELU, mem[o0 + i] + mem[o1 + i], 0f, 0f);
            }
        } else if (code == BN_COMBINE_STATISTICS) {
            bnCombineStatisticsChannel();
        } else if (code == BN_TRAINING_CHANNELS) {
            bnTrainingChannel();
        } else if (code == BN_COMBINE_SUMS) {
            bnCombineSumsChannel();
        } else if (code == BN_SCALE_SHIFT) {
            bnScaleShiftChannel();
        } else if (code == BN_RUNNING_UPDATE) {
            bnRunningUpdateChannel();
        } else if (code == BN_BACKWARD_SUMS) {
            bnBackwardSumsGroup();
        } else if (code == BN_BACKWARD_INPUT) {
            bnBackwardInputElement();
        } else if (code == CANARY) {
            if (getGlobalId(0) == 0) {
                if (f0 != 0f) {
                    mem[0] = f0;
                }
                meta[META_LENGTH - 1] = (int) mem[0];
            }
        }
    }

    // ---- element-wise -------------------------------------------------------------------------------

    private float unaryValue(int f, float x, float p, float q) {
        float y = x;
        if (f == U_NEG) {
            y = -x;
        } else if (f == U_AFFINE) {
            y = p * x + q;
        } else if (f == U_EXP) {
            y = exp(x);
        } else if (f == U_LOG) {
            y = log(x);
        } else if (f == U_SQRT) {
            y = sqrt(x);
        } else if (f == U_POW) {
            y = powf(x, p);
        } else if (f == U_ABS) {
            y = x < 0f ? -x : (x == 0f ? 0f : x);
        } else if (f == U_RELU) {
            y = x != x ? x : (x > 0f ? x : 0f);
        } else if (f == U_SIGMOID) {
            y = 1f / (1f + exp(-x));
        } else if (f == U_TANH) {
            y = tanhf(x);
        } else if (f == U_CLAMP) {
            float lo = x != x ? x : (x < p ? p : x);
            y = lo != lo ? lo : (lo > q ? q : lo);
        }
        return y;
    }

    private float unaryGrad(int f, float x, float y, float gy, float p, float q) {
        float g = gy;
        if (f == U_NEG) {
            g = -gy;
        } else if (f == U_AFFINE) {
            g = p * gy;
        } else if (f == U_EXP) {
            g = gy * y;
        } else if (f == U_LOG) {
            g = gy / x;
        } else if (f == U_SQRT) {
            g = gy / (2f * y);
        } else if (f == U_POW) {
            g = p == 0f ? 0f : gy * (p * powf(x, p - 1f));
        } else if (f == U_ABS) {
            g = x > 0f ? gy : (x < 0f ? -gy : 0f);
        } else if (f == U_RELU) {
            g = y > 0f ? gy : 0f;
        } else if (f == U_SIGMOID) {
            g = gy * y * (1f - y);
        } else if (f == U_TANH) {
            g = gy * (1f - y * y);
        } else if (f == U_CLAMP) {
            g = x >= p && x <= q ? gy : 0f;
        }
        return g;
    }

    /** x^p with Java's answers for negative bases and integral exponents (OpenCL's pow agrees with C99). */
    private float powf(float x, float p) {
        return pow(x, p);
    }

    /** tanh from exp: a series near 0, where 1 - 2 / (e^2x + 1) would cancel. */
    private float tanhf(float x) {
        float ax = x < 0f ? -x : x;
        float y = 0f;
        if (ax < 0.125f) {
            float x2 = x * x;
            y = x * (1f + x2 * (-1f / 3f + x2 * (2f / 15f + x2 * (-17f / 315f))));
        } else {
            y = 1f - 2f / (exp(2f * ax) + 1f);
            y = x < 0f ? -y : y;
        }
        return y;
    }

    private float binaryValue(int f, float a, float b) {
        float r = 0f;
        if (f == B_ADD) {
            r = a + b;
        } else if (f == B_SUB) {
            r = a - b;
        } else if (f == B_MUL) {
            r = a * b;
        } else if (f == B_DIV) {
            r = a / b;
        } else if (f == B_MAX) {
            r = maxNan(a, b);
        } else if (f == B_MIN) {
            r = minNan(a, b);
        } else if (f == B_GT) {
            r = a > b ? 1f : 0f;
        } else if (f == B_GE) {
            r = a >= b ? 1f : 0f;
        } else if (f == B_LT) {
            r = a < b ? 1f : 0f;
        } else if (f == B_LE) {
            r = a <= b ? 1f : 0f;
        } else if (f == B_EQ) {
            r = a == b ? 1f : 0f;
        } else if (f == B_NE) {
            r = a != b ? 1f : 0f;
        }
        return r;
    }

    /** Math.max: NaN if either is NaN. */
    private float maxNan(float a, float b) {
        return a != a ? a : (b != b ? b : (a >= b ? a : b));
    }

    /** Math.min: NaN if either is NaN. */
    private float minNan(float a, float b) {
        return a != a ? a : (b != b ? b : (a <= b ? a : b));
    }

    /** Offset of row-major element {@code e} of meta's shape under the strides at {@code stridesAt}. */
    private int stridedOffset(int e, int rank, int stridesAt) {
        int off = 0;
        int rest = e;
        for (int d = rank - 1; d >= 0; d--) {
            int size = meta[META_SHAPE + d];
            int coord = rest % size;
            rest = rest / size;
            off += coord * meta[stridesAt + d];
        }
        return off;
    }

    /** STRIDED_COPY: shape and strides in meta (shape, source strides A, destination strides B). */
    void stridedCopyArgs(int src, int dst, int rank) {
        o0 = src;
        o1 = dst;
        i0 = rank;
    }

    private void stridedCopyElement() {
        int e = getGlobalId(0);
        if (e < n) {
            mem[o1 + stridedOffset(e, i0, META_STRIDES_B)] = mem[o0 + stridedOffset(e, i0, META_STRIDES_A)];
        }
    }

    /** BINARY: shape and the strides of a and b in meta; function a B_ code. */
    void binaryArgs(int a, int b, int out, int function, int rank) {
        o0 = a;
        o1 = b;
        o2 = out;
        i0 = function;
        i1 = rank;
    }

    private void binaryElement() {
        int e = getGlobalId(0);
        if (e < n) {
            float a = mem[o0 + stridedOffset(e, i1, META_STRIDES_A)];
            float b = mem[o1 + stridedOffset(e, i1, META_STRIDES_B)];
            mem[o2 + e] = binaryValue(i0, a, b);
        }
    }

    /** SELECT: shape and the strides of cond, a and b in meta. */
    void selectArgs(int cond, int a, int b, int out, int rank) {
        o0 = cond;
        o1 = a;
        o2 = b;
        o3 = out;
        i0 = rank;
    }

    private void selectElement() {
        int e = getGlobalId(0);
        if (e < n) {
            float c = mem[o0 + stridedOffset(e, i0, META_STRIDES_A)];
            float v = 0f;
            if (c != 0f) {
                v = mem[o1 + stridedOffset(e, i0, META_STRIDES_B)];
            } else {
                v = mem[o2 + stridedOffset(e, i0, META_STRIDES_C)];
            }
            mem[o3 + e] = v;
        }
    }

    // ---- reductions ----------------------------------------------------------------------------------

    private float combine(int f, float acc, float x) {
        float r = acc + x;
        if (f == R_MAX) {
            r = maxNan(acc, x);
        } else if (f == R_MIN) {
            r = minNan(acc, x);
        }
        return r;
    }

    /** REDUCE_ROWS and REDUCE_GROUPS: x [outer, size, inner] to out [outer, inner]; function an R_ code. */
    void reduceArgs(int x, int out, int function, int outer, int size, int inner, float identity) {
        o0 = x;
        o1 = out;
        i0 = function;
        i1 = outer;
        i2 = size;
        i3 = inner;
        f0 = identity;
    }

    /** One thread per output: x [i1 outer, i2 size, i3 inner] at o0, out [outer, inner] at o1; f0 = identity. */
    private void reduceRow() {
        int e = getGlobalId(0);
        if (e < n) {
            int r = e / i3;
            int in = e % i3;
            float acc = f0;
            for (int s = 0; s < i2; s++) {
                acc = combine(i0, acc, mem[o0 + (r * i2 + s) * i3 + in]);
            }
            mem[o1 + e] = acc;
        }
    }

    /** SGD_STEP. */
    void sgdArgs(int param, int grad, int momentumBuffer, boolean withMomentum, boolean first, boolean nesterov,
                 float lr, float weightDecay, float momentum, float dampening) {
        o0 = param;
        o1 = grad;
        o2 = momentumBuffer;
        i0 = withMomentum ? 1 : 0;
        i1 = first ? 1 : 0;
        i2 = nesterov ? 1 : 0;
        f0 = lr;
        f1 = weightDecay;
        f2 = momentum;
        f3 = dampening;
    }

    /**
     * One SGD step for element e (Backend.sgdStep): o0 param, o1 grad, o2 momentum buffer; f0 lr, f1 weight
     * decay, f2 momentum, f3 dampening; i0 momentum on, i1 first step, i2 Nesterov.
     */
    private void sgdElement() {
        int e = getGlobalId(0);
        if (e < n) {
            sgdUpdate(o0 + e, o1 + e, o2 + e, i1);
        }
    }

    /**
     * SGD_STEPS: the hyper-parameters as for SGD_STEP; i3 tensors. The index stage holds the table: element
     * offsets where each tensor starts (i3 + 1 of them, the last the total), then per tensor its parameter,
     * gradient and momentum-buffer offsets and its first-step flag, each i3 long.
     */
    void sgdStepsArgs(int tensors, boolean withMomentum, boolean nesterov, float lr, float weightDecay, float momentum,
                      float dampening) {
        i0 = withMomentum ? 1 : 0;
        i2 = nesterov ? 1 : 0;
        i3 = tensors;
        f0 = lr;
        f1 = weightDecay;
        f2 = momentum;
        f3 = dampening;
    }

    /** One SGD step for element e of all the tensors: a binary search of the table finds e's tensor. */
    private void sgdStepsElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int t = 0;
            int end = i3;
            while (end - t > 1) {
                int mid = (t + end) / 2;
                if (istage[mid] <= e) {
                    t = mid;
                } else {
                    end = mid;
                }
            }
            int within = e - istage[t]; // (not "local": a word of OpenCL C)
            int table = i3 + 1;
            sgdUpdate(istage[table + t] + within, istage[table + i3 + t] + within, istage[table + 2 * i3 + t] + within,
                    istage[table + 3 * i3 + t]);
        }
    }

    /** The SGD rule (Backend.sgdStep) on one element: parameter, gradient and momentum buffer at these offsets. */
    private void sgdUpdate(int param, int grad, int buffer, int first) {
        float p = mem[param];
        float d = mem[grad] + f1 * p;
        if (i0 != 0) {
            float m = first != 0 ? d : mem[buffer] * f2 + (1f - f3) * d;
            mem[buffer] = m;
            d = i2 != 0 ? d + f2 * m : m;
        }
        mem[param] = p + -f0 * d;
    }

    /** POLYNOMIAL_DIFFERENCE: the coefficients in the stage. */
    void polynomialDifferenceArgs(int a, int b, int squared, int weighted, int degree) {
        o0 = a;
        o1 = b;
        o2 = squared;
        o3 = weighted;
        i0 = degree;
    }

    /**
     * Backend.polynomialDifference for element e: o0 a, o1 b, o2 squared, o3 weighted; the coefficients
     * c[0] .. c[i0] in stage (i0 is the degree). Horner's rule for g(a), g'(a) and g(b) together.
     */
    private void polynomialDifferenceElement() {
        int e = getGlobalId(0);
        if (e < n) {
            float s = mem[o0 + e];
            float t = mem[o1 + e];
            float value = stage[i0];
            float slope = 0f;
            float teacher = stage[i0];
            for (int p = i0 - 1; p >= 0; p--) {
                slope = slope * s + value;
                value = value * s + stage[p];
                teacher = teacher * t + stage[p];
            }
            float d = value - teacher;
            mem[o2 + e] = d * d;
            mem[o3 + e] = d * slope;
        }
    }

    /** One work-group per output, for long reductions: strided partials, then a fixed tree. */
    private void reduceGroup() {
        int e = getGroupId(0);
        int lid = getLocalId(0);
        int r = e / i3;
        int in = e % i3;
        float acc = f0;
        for (int s = lid; s < i2; s += group) {
            acc = combine(i0, acc, mem[o0 + (r * i2 + s) * i3 + in]);
        }
        red[lid] = acc;
        localBarrier();
        for (int span = group / 2; span > 0; span = span / 2) {
            if (lid < span) {
                red[lid] = combine(i0, red[lid], red[lid + span]);
            }
            localBarrier();
        }
        if (lid == 0) {
            mem[o1 + e] = red[0];
        }
    }

    /** Sum over (n, s) of channel c of [i0 batch, i1 channels, i2 spatial] at o0, as a tree in red[slot...]. */
    private float channelTreeSum(float partial, int slot) {
        int lid = getLocalId(0);
        red[slot + lid] = partial;
        localBarrier();
        for (int span = group / 2; span > 0; span = span / 2) {
            if (lid < span) {
                red[slot + lid] = red[slot + lid] + red[slot + lid + span];
            }
            localBarrier();
        }
        float total = red[slot];
        localBarrier();
        return total;
    }

    /** CHANNEL_SUM: out[c] = the sum of channel c of x [batch, channels, spatial]. */
    void channelSumArgs(int x, int out, int batch, int channels, int spatial) {
        o0 = x;
        o1 = out;
        i0 = batch;
        i1 = channels;
        i2 = spatial;
    }

    private void channelSumGroup() {
        int c = getGroupId(0);
        int lid = getLocalId(0);
        int count = i0 * i2;
        float acc = 0f;
        for (int e = lid; e < count; e += group) {
            acc += mem[o0 + ((e / i2) * i1 + c) * i2 + e % i2];
        }
        float total = channelTreeSum(acc, 0);
        if (lid == 0) {
            mem[o1 + c] = total;
        }
    }

    // ---- matrix product -----------------------------------------------------------------------------

    /**
     * GEMM, CONVOLUTION_GEMM and GEMM_WIDE: the operands of op(A) op(B), m x k times k x n, each in one of
     * the layouts {@link #MATRIX} ... {@link #FLIPPED_WEIGHTS} (GEMM_WIDE: the two matrix layouts only).
     */
    void gemmArgs(int aLayout, int bLayout, int m, int n, int k, int a, int lda, int b, int ldb) {
        o0 = a;
        o1 = b;
        i0 = aLayout;
        i1 = bLayout;
        i2 = m;
        i3 = n;
        i4 = k;
        i5 = lda;
        i6 = ldb;
    }

    /** GEMM and GEMM_WIDE: {@code C = alpha op(A) op(B) + beta C}; with split k, slice z writes at c + z sliceStride. */
    void gemmOutputArgs(int c, int ldc, float alpha, float beta, int sliceStride) {
        o2 = c;
        i7 = ldc;
        f0 = alpha;
        f1 = beta;
        i9 = sliceStride;
    }

    /** CONVOLUTION_GEMM with B in {@link #PATCHES}: C is written as NCHW, plus the bias at {@code bias} when meta[20] is set. */
    void convolutionOutputArgs(int bias) {
        o3 = bias;
    }

    /** GEMM: the work-group tile, rows per thread, and the k of one slice. */
    void gemmTileArgs(int tileSize, int rowsPerThread, int sliceDepth) {
        ts = tileSize;
        rp = rowsPerThread;
        i8 = sliceDepth;
    }

    /**
     * C = alpha op(A) op(B) + beta C. A work-group of ts x ts threads computes a (rp ts) x (4 ts) block
     * of C, each thread an rp x 4 grid of it spaced ts apart (rp, rows per thread, is 4, or 1 for
     * matrices of few rows); the k dimension advances ts at a time through tiles of A and B in local
     * memory. With split k, work-group z of the third dimension covers k from z i8 to (z + 1) i8 and
     * writes its partial product at C + z i9. o0 A, o1 B, o2 C; i0 A's layout, i1 B's, i2 m, i3 n, i4 k,
     * i5 lda, i6 ldb, i7 ldc; f0 alpha, f1 beta.
     *
     * <p>A convolution (CONVOLUTION_GEMM) runs through the same loop with its operands read where they
     * lie, so that no column matrix is written. The forward pass reads B as the input's {@link #PATCHES}
     * and writes C as NCHW (the input gradient of a stride-1 convolution is such a pass over the output
     * gradient, A read as {@link #FLIPPED_WEIGHTS}); the weight gradient reads A as the
     * {@link #OUTPUT_GRADIENT} and B as {@link #PATCHES_TRANSPOSED}. A patch element
     * x[image, channel, oy s - pad + ky d, ox s - pad + kx d] (zero outside the image) is the sum of a part
     * that depends on the position (image, oy, ox) and a part that depends on the tap (channel, ky, kx). A block's B columns stay the same over the whole k
     * loop, so their parts are found once per work-group, into {@code gatherColumns}; each thread finds
     * its B row's part once per k step. The divisions that locate a position or a tap thus happen once
     * per column and once per row, not once per element.
     */
    private void gemmTile() {
        int t = ts;
        int bn = 4 * t;
        int tx = getLocalId(0);
        int ty = getLocalId(1);
        int z = getGroupId(2);
        int row0 = getGroupId(1) * rp * t;
        int col0 = getGroupId(0) * bn;
        int m = i2;
        int nn = i3;
        int kBegin = z * i8;
        int kEnd = kBegin + i8 < i4 ? kBegin + i8 : i4;
        if (i1 >= PATCHES) {
            int lid = ty * t + tx;
            if (lid < bn) {
                int col = col0 + lid;
                boolean positions = i1 == PATCHES;
                gatherColumns[lid] = positions ? positionOffset(col) : tapOffset(col);
                gatherColumns[bn + lid] = positions ? positionRow(col) : tapRow(col);
                gatherColumns[2 * bn + lid] = positions ? positionColumn(col) : tapColumn(col);
            }
            localBarrier();
        }
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int p0 = kBegin; p0 < kEnd; p0 += t) {
            int pk = p0 + tx;
            int pb = p0 + ty;
            // A gathered A's column, and a gathered B's row: the parts that do not change with q.
            int aColumn = 0;
            if (pk < kEnd && i0 == OUTPUT_GRADIENT) {
                aColumn = outputGradientColumn(pk);
            } else if (pk < kEnd && i0 == FLIPPED_WEIGHTS) {
                aColumn = flippedWeightColumn(pk);
            }
            int bRowOffset = 0;
            int bRowY = 0;
            int bRowX = 0;
            if (i1 >= PATCHES && pb < kEnd) {
                boolean taps = i1 == PATCHES;
                bRowOffset = taps ? tapOffset(pb) : positionOffset(pb);
                bRowY = taps ? tapRow(pb) : positionRow(pb);
                bRowX = taps ? tapColumn(pb) : positionColumn(pb);
            }
            // Load A block [rp t rows, t cols] and B block [t rows, 4 t cols].
            for (int q = 0; q < 4; q++) {
                if (q < rp) {
                    int ar = ty + q * t;
                    int row = row0 + ar;
                    float av = 0f;
                    if (row < m && pk < kEnd) {
                        if (i0 == MATRIX_TRANSPOSED) {
                            av = mem[o0 + pk * i5 + row];
                        } else if (i0 == OUTPUT_GRADIENT) {
                            av = mem[aColumn + row * meta[11] * meta[12]];
                        } else if (i0 == FLIPPED_WEIGHTS) {
                            av = mem[aColumn + row * meta[3] * meta[4]];
                        } else {
                            av = mem[o0 + row * i5 + pk];
                        }
                    }
                    tileA[ar * t + tx] = av;
                }
                int bc = tx + q * t;
                int col = col0 + bc;
                float bv = 0f;
                if (col < nn && pb < kEnd) {
                    if (i1 >= PATCHES) {
                        bv = patchValue(gatherColumns[bc] + bRowOffset, gatherColumns[bn + bc] + bRowY,
                                gatherColumns[2 * bn + bc] + bRowX);
                    } else if (i1 == MATRIX_TRANSPOSED) {
                        bv = mem[o1 + col * i6 + pb];
                    } else {
                        bv = mem[o1 + pb * i6 + col];
                    }
                }
                tileB[ty * bn + bc] = bv;
            }
            localBarrier();
            for (int p = 0; p < t; p++) {
                float b0 = tileB[p * bn + tx];
                float b1 = tileB[p * bn + tx + t];
                float b2 = tileB[p * bn + tx + 2 * t];
                float b3 = tileB[p * bn + tx + 3 * t];
                float a0 = tileA[ty * t + p];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                if (rp == 4) {
                    float a1 = tileA[(ty + t) * t + p];
                    float a2 = tileA[(ty + 2 * t) * t + p];
                    float a3 = tileA[(ty + 3 * t) * t + p];
                    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
                }
            }
            localBarrier();
        }
        int c = o2 + z * i9;
        storeC(c, row0 + ty, col0 + tx, t, c00, c01, c02, c03);
        if (rp == 4) {
            storeC(c, row0 + ty + t, col0 + tx, t, c10, c11, c12, c13);
            storeC(c, row0 + ty + 2 * t, col0 + tx, t, c20, c21, c22, c23);
            storeC(c, row0 + ty + 3 * t, col0 + tx, t, c30, c31, c32, c33);
        }
    }

    // The two parts of a patch element (see gemmTile), geometry in meta. A position s counts the chunk's
    // output positions image by image; a tap k counts (channel of the group, ky, kx).

    /** The input plane of position s's image and the group's first channel, in the arena (x at o1). */
    private int positionOffset(int s) {
        int image = s / (meta[11] * meta[12]);
        return o1 + ((meta[16] + image) * meta[0] + meta[14]) * meta[1] * meta[2];
    }

    /** Position s's first input row, oy stride - pad (negative in the padding). */
    private int positionRow(int s) {
        return s % (meta[11] * meta[12]) / meta[12] * meta[5] - meta[7];
    }

    /** Position s's first input column, ox stride - pad. */
    private int positionColumn(int s) {
        return s % meta[12] * meta[6] - meta[8];
    }

    /** Tap k's channel plane, relative to the image's first channel. */
    private int tapOffset(int k) {
        return k / (meta[3] * meta[4]) * meta[1] * meta[2];
    }

    /** Tap k's row within the patch, ky dilation. */
    private int tapRow(int k) {
        return k % (meta[3] * meta[4]) / meta[4] * meta[9];
    }

    /** Tap k's column within the patch, kx dilation. */
    private int tapColumn(int k) {
        return k % meta[4] * meta[10];
    }

    /** The input at row y, column x of the plane at {@code plane}; zero in the padding. */
    private float patchValue(int plane, int y, int x) {
        float v = 0f;
        if (y >= 0 && y < meta[1] && x >= 0 && x < meta[2]) {
            v = mem[plane + y * meta[2] + x];
        }
        return v;
    }

    /**
     * The flipped weight (w at o0, FLIPPED_WEIGHTS) of column k = (out-channel, tap) for in-channel 0: the next
     * in-channel is one kernel further. The weights' out-channel is this convolution's in-channel, their
     * in-channels per group its out-channels per group (meta[18]).
     */
    private int flippedWeightColumn(int k) {
        int taps = meta[3] * meta[4];
        return o0 + k / taps * meta[18] * taps + taps - 1 - k % taps;
    }

    /** The output gradient (at o0) of position s, out-channel 0 of the group: the next channel is one plane further. */
    private int outputGradientColumn(int s) {
        int positions = meta[11] * meta[12];
        return o0 + ((meta[16] + s / positions) * meta[17] + meta[19]) * positions + s % positions;
    }

    /**
     * C = alpha op(A) op(B) + beta C for large matrices (same parameters as {@link #gemmTile()}, without
     * split k). A work-group of 16 x 16 threads computes a 128 x 64 block of C, each thread an 8 x 4 grid
     * of it spaced 16 apart: 32 multiply-adds for every 12 values read from local memory, where gemmTile's
     * 4 x 4 grid does 16 for 8 and leaves those loads the bottleneck. Not 8 x 8: every op shares this
     * kernel's register allocation, and 64 accumulators cut the threads resident per compute unit for all
     * of them. k advances 8 at a time: each thread loads 4 values of the A block [128 rows, 8] and 2 of the
     * B block [8, 64 columns], in the order that reads neighbouring floats of global memory.
     */
    private void gemmWide() {
        int tx = getLocalId(0);
        int ty = getLocalId(1);
        int thread = ty * 16 + tx;
        int row0 = getGroupId(1) * 128;
        int col0 = getGroupId(0) * 64;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f;
        for (int p0 = 0; p0 < i4; p0 += 8) {
            for (int q = 0; q < 4; q++) {
                int idx = thread + q * 256;
                int ar = i0 != 0 ? idx % 128 : idx / 8;
                int ak = i0 != 0 ? idx / 128 : idx % 8;
                int row = row0 + ar;
                int pa = p0 + ak;
                float av = 0f;
                if (row < i2 && pa < i4) {
                    av = i0 != 0 ? mem[o0 + pa * i5 + row] : mem[o0 + row * i5 + pa];
                }
                tileA[ar * 8 + ak] = av;
                if (q < 2) {
                    int bk = i1 != 0 ? idx % 8 : idx / 64;
                    int bc = i1 != 0 ? idx / 8 : idx % 64;
                    int col = col0 + bc;
                    int pb = p0 + bk;
                    float bv = 0f;
                    if (col < i3 && pb < i4) {
                        bv = i1 != 0 ? mem[o1 + col * i6 + pb] : mem[o1 + pb * i6 + col];
                    }
                    tileB[bk * 64 + bc] = bv;
                }
            }
            localBarrier();
            for (int p = 0; p < 8; p++) {
                float a0 = tileA[(ty + 0) * 8 + p];
                float a1 = tileA[(ty + 16) * 8 + p];
                float a2 = tileA[(ty + 32) * 8 + p];
                float a3 = tileA[(ty + 48) * 8 + p];
                float a4 = tileA[(ty + 64) * 8 + p];
                float a5 = tileA[(ty + 80) * 8 + p];
                float a6 = tileA[(ty + 96) * 8 + p];
                float a7 = tileA[(ty + 112) * 8 + p];
                float b0 = tileB[p * 64 + tx + 0];
                float b1 = tileB[p * 64 + tx + 16];
                float b2 = tileB[p * 64 + tx + 32];
                float b3 = tileB[p * 64 + tx + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3;
            }
            localBarrier();
        }
        storeC(o2, row0 + ty + 0, col0 + tx, 16, c00, c01, c02, c03);
        storeC(o2, row0 + ty + 16, col0 + tx, 16, c10, c11, c12, c13);
        storeC(o2, row0 + ty + 32, col0 + tx, 16, c20, c21, c22, c23);
        storeC(o2, row0 + ty + 48, col0 + tx, 16, c30, c31, c32, c33);
        storeC(o2, row0 + ty + 64, col0 + tx, 16, c40, c41, c42, c43);
        storeC(o2, row0 + ty + 80, col0 + tx, 16, c50, c51, c52, c53);
        storeC(o2, row0 + ty + 96, col0 + tx, 16, c60, c61, c62, c63);
        storeC(o2, row0 + ty + 112, col0 + tx, 16, c70, c71, c72, c73);
    }

    private void storeC(int c, int row, int col, int t, float v0, float v1, float v2, float v3) {
        if (row < i2) {
            storeOne(c, row, col, v0);
            storeOne(c, row, col + t, v1);
            storeOne(c, row, col + 2 * t, v2);
            storeOne(c, row, col + 3 * t, v3);
        }
    }

    private void storeOne(int c, int row, int col, float v) {
        if (col < i3) {
            if (i1 == PATCHES) {
                // A convolution's output: out-channel row of the group, position col, in NCHW.
                int positions = meta[11] * meta[12];
                int at = c + ((meta[16] + col / positions) * meta[17] + meta[19] + row) * positions + col % positions;
                float bias = meta[20] != 0 ? mem[o3 + meta[19] + row] : 0f;
                mem[at] = (f1 == 0f ? f0 * v : f0 * v + f1 * mem[at]) + bias;
            } else {
                int at = c + row * i7 + col;
                mem[at] = f1 == 0f ? f0 * v : f0 * v + f1 * mem[at];
            }
        }
    }

    /** C (o1, ldc i7) = alpha sum over {@code z < i4} of the partials at o0 + z m n, + beta C: split k's second step. */
    /** SPLIT_K_SUM. */
    void splitKSumArgs(int partials, int c, int m, int n, int slices, int ldc, float alpha, float beta) {
        o0 = partials;
        o1 = c;
        i2 = m;
        i3 = n;
        i4 = slices;
        i7 = ldc;
        f0 = alpha;
        f1 = beta;
    }

    private void splitKSum() {
        int e = getGlobalId(0);
        if (e < n) {
            int mn = i2 * i3;
            float sum = 0f;
            for (int z = 0; z < i4; z++) {
                sum += mem[o0 + z * mn + e];
            }
            int at = o1 + (e / i3) * i7 + e % i3;
            mem[at] = f1 == 0f ? f0 * sum : f0 * sum + f1 * mem[at];
        }
    }

    // ---- softmax (the math: engine.ops.Normalization.softmax) -----------------------------------------

    /** SOFTMAX. */
    void softmaxArgs(int x, int y, int outer, int size, int inner, boolean log) {
        o0 = x;
        o1 = y;
        i0 = outer;
        i1 = size;
        i2 = inner;
        i3 = log ? 1 : 0;
    }

    /** One thread per row of x [i0 outer, i1 size, i2 inner] at o0; y at o1; i3 log. */
    private void softmaxRow() {
        int e = getGlobalId(0);
        if (e < n) {
            int base = (e / i2) * i1 * i2 + e % i2;
            float top = negInf;
            for (int s = 0; s < i1; s++) {
                top = maxNan(top, mem[o0 + base + s * i2]);
            }
            float sum = 0f;
            for (int s = 0; s < i1; s++) {
                sum += exp(mem[o0 + base + s * i2] - top);
            }
            float logSum = log(sum);
            for (int s = 0; s < i1; s++) {
                float shifted = mem[o0 + base + s * i2] - top;
                mem[o1 + base + s * i2] = i3 != 0 ? shifted - logSum : exp(shifted) / sum;
            }
        }
    }

    /** y at o0, gy at o1, gx at o2; shapes as {@link #softmaxRow()}. */
    /** SOFTMAX_BACKWARD. */
    void softmaxBackwardArgs(int y, int gy, int gx, int outer, int size, int inner, boolean log) {
        o0 = y;
        o1 = gy;
        o2 = gx;
        i0 = outer;
        i1 = size;
        i2 = inner;
        i3 = log ? 1 : 0;
    }

    private void softmaxBackwardRow() {
        int e = getGlobalId(0);
        if (e < n) {
            int base = (e / i2) * i1 * i2 + e % i2;
            float weighted = 0f;
            for (int s = 0; s < i1; s++) {
                int at = base + s * i2;
                weighted += i3 != 0 ? mem[o1 + at] : mem[o1 + at] * mem[o0 + at];
            }
            for (int s = 0; s < i1; s++) {
                int at = base + s * i2;
                float y = mem[o0 + at];
                float gy = mem[o1 + at];
                mem[o2 + at] = i3 != 0 ? gy - exp(y) * weighted : y * (gy - weighted);
            }
        }
    }

    // ---- indexing (indices in istage) ---------------------------------------------------------------

    /** INDEX_SELECT and INDEX_ADD (x is then g, out gx): the indices in the index stage. */
    void indexSelectArgs(int x, int out, int outer, int size, int inner, int length) {
        o0 = x;
        o1 = out;
        i0 = outer;
        i1 = size;
        i2 = inner;
        i3 = length;
    }

    /** out [i0 outer, i3 len, i2 inner] at o1 from x [outer, i1 size, inner] at o0. */
    private void indexSelectElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int in = e % i2;
            int j = (e / i2) % i3;
            int r = e / (i2 * i3);
            mem[o1 + e] = mem[o0 + (r * i1 + istage[j]) * i2 + in];
        }
    }

    /** One thread per (outer, inner) line: gx [i0, i1 size, i2] at o1 += g [i0, i3 len, i2] at o0, in j order. */
    private void indexAddLine() {
        int e = getGlobalId(0);
        if (e < n) {
            int r = e / i2;
            int in = e % i2;
            for (int j = 0; j < i3; j++) {
                int at = o1 + (r * i1 + istage[j]) * i2 + in;
                mem[at] = mem[at] + mem[o0 + (r * i3 + j) * i2 + in];
            }
        }
    }

    /** GATHER and SCATTER_ADD (x is then g, out gx): the index shape and the strides of x in meta. */
    void gatherArgs(int x, int out, int dim, int rank) {
        o0 = x;
        o1 = out;
        i0 = dim;
        i1 = rank;
    }

    /** out[e] at o1 = x at o0, at the coordinates of e in the index shape with dimension i0 replaced. */
    private void gatherElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int off = 0;
            int rest = e;
            for (int d = i1 - 1; d >= 0; d--) {
                int size = meta[META_SHAPE + d];
                int coord = rest % size;
                rest = rest / size;
                off += (d == i0 ? istage[e] : coord) * meta[META_STRIDES_A + d];
            }
            mem[o1 + e] = mem[o0 + off];
        }
    }

    /**
     * One thread per line along dimension i0 of the index shape (rank i1): the line's elements are added
     * in order, so elements that hit the same target never race.
     */
    private void scatterAddLine() {
        int line = getGlobalId(0);
        if (line < n) {
            int along = meta[META_SHAPE + i0];
            int base = 0;
            int off = 0;
            int rest = line;
            int stride = 1;
            int alongStride = 1;
            for (int d = i1 - 1; d >= 0; d--) {
                int size = meta[META_SHAPE + d];
                if (d == i0) {
                    alongStride = stride;
                } else {
                    int coord = rest % size;
                    rest = rest / size;
                    base += coord * stride;
                    off += coord * meta[META_STRIDES_A + d];
                }
                stride *= size;
            }
            for (int t = 0; t < along; t++) {
                int e = base + t * alongStride;
                int at = o1 + off + istage[e] * meta[META_STRIDES_A + i0];
                mem[at] = mem[at] + mem[o0 + e];
            }
        }
    }

    // ---- convolution (geometry in meta) -------------------------------------------------------------
    // meta: 0 inChannels, 1 inH, 2 inW, 3 kernelH, 4 kernelW, 5 strideH, 6 strideW, 7 padH, 8 padW,
    // 9 dilationH, 10 dilationW, 11 outH, 12 outW, 13 group in-channels, 14 first channel of the group,
    // 15 images in the chunk, 16 first image, 17 outChannels, 18 group out-channels, 19 first out-channel,
    // 20 whether CONVOLUTION_GEMM adds a bias.

    /** IM2COL, NCHW_TO_COLUMNS and COL2IM: the convolution geometry in meta. */
    void columnsArgs(int from, int to) {
        o0 = from;
        o1 = to;
    }

    /**
     * col [(c, ky, kx), (image, oy, ox)] at o1 from x at o0: one chunk of images, one group. One thread per
     * column, looping over the rows: the divisions that locate the column happen once per thread rather than
     * once per element, and for each row the threads of a work-group write neighbouring floats.
     */
    private void im2colColumn() {
        int e = getGlobalId(0);
        if (e < n) {
            int positions = meta[11] * meta[12];
            int cols = meta[15] * positions;
            int image = e / positions;
            int pos = e % positions;
            int oy = pos / meta[12];
            int ox = pos % meta[12];
            int plane = meta[1] * meta[2];
            int x = o0 + ((meta[16] + image) * meta[0] + meta[14]) * plane;
            int row = 0;
            for (int c = 0; c < meta[13]; c++) {
                for (int ky = 0; ky < meta[3]; ky++) {
                    int iy = oy * meta[5] - meta[7] + ky * meta[9];
                    for (int kx = 0; kx < meta[4]; kx++) {
                        int ix = ox * meta[6] - meta[8] + kx * meta[10];
                        float v = 0f;
                        if (iy >= 0 && iy < meta[1] && ix >= 0 && ix < meta[2]) {
                            v = mem[x + c * plane + iy * meta[2] + ix];
                        }
                        mem[o1 + row * cols + e] = v;
                        row++;
                    }
                }
            }
        }
    }

    /** COLUMNS_TO_NCHW: the convolution geometry in meta. */
    void columnsToNchwArgs(int columns, int out, int bias, boolean withBias) {
        o0 = columns;
        o1 = out;
        o2 = bias;
        i0 = withBias ? 1 : 0;
    }

    /**
     * out NCHW at o1 from columns [group out-channels, (image, pos)] at o0, plus bias at o2 when i0 != 0.
     * One thread per column, looping over the channels.
     */
    private void columnsToNchwColumn() {
        int e = getGlobalId(0);
        if (e < n) {
            int positions = meta[11] * meta[12];
            int cols = meta[15] * positions;
            int image = e / positions;
            int pos = e % positions;
            int out = o1 + ((meta[16] + image) * meta[17] + meta[19]) * positions + pos;
            for (int o = 0; o < meta[18]; o++) {
                float v = mem[o0 + o * cols + e];
                if (i0 != 0) {
                    v += mem[o2 + meta[19] + o];
                }
                mem[out + o * positions] = v;
            }
        }
    }

    /** columns [group out-channels, (image, pos)] at o1 from NCHW gradient at o0: one thread per column. */
    private void nchwToColumnsColumn() {
        int e = getGlobalId(0);
        if (e < n) {
            int positions = meta[11] * meta[12];
            int cols = meta[15] * positions;
            int image = e / positions;
            int pos = e % positions;
            int in = o0 + ((meta[16] + image) * meta[17] + meta[19]) * positions + pos;
            for (int o = 0; o < meta[18]; o++) {
                mem[o1 + o * cols + e] = mem[in + o * positions];
            }
        }
    }

    /** Input gradient at o1 (overwritten) gathered from col gradients at o0: one thread per input element. */
    private void col2imElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int inH = meta[1];
            int inW = meta[2];
            int ix = e % inW;
            int iy = (e / inW) % inH;
            int c = (e / (inW * inH)) % meta[13];
            int image = e / (inW * inH * meta[13]);
            int positions = meta[11] * meta[12];
            int cols = meta[15] * positions;
            float sum = 0f;
            for (int ky = 0; ky < meta[3]; ky++) {
                int ty = iy + meta[7] - ky * meta[9];
                int oy = ty / meta[5];
                if (ty >= 0 && ty % meta[5] == 0 && oy < meta[11]) {
                    for (int kx = 0; kx < meta[4]; kx++) {
                        int tx = ix + meta[8] - kx * meta[10];
                        int ox = tx / meta[6];
                        if (tx >= 0 && tx % meta[6] == 0 && ox < meta[12]) {
                            int row = (c * meta[3] + ky) * meta[4] + kx;
                            sum += mem[o0 + row * cols + image * positions + oy * meta[12] + ox];
                        }
                    }
                }
            }
            mem[o1 + (((meta[16] + image) * meta[0] + meta[14] + c) * inH + iy) * inW + ix] = sum;
        }
    }

    // ---- pooling (geometry in meta: 0 inH, 1 inW, 2 kernelH, 3 kernelW, 4 strideH, 5 strideW, 6 padH,
    // 7 padW, 8 outH, 9 outW) -------------------------------------------------------------------------

    /** MAX_POOL, AVG_POOL, AVG_POOL_BACKWARD (x is then gy, out gx): the pooling geometry in meta; scale 1 / window for averages. */
    void poolArgs(int x, int out, float scale) {
        o0 = x;
        o1 = out;
        f0 = scale;
    }

    private void maxPoolElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int ow = meta[9];
            int oh = meta[8];
            int ox = e % ow;
            int oy = (e / ow) % oh;
            int plane = e / (ow * oh);
            int at = windowArgMax(plane, oy, ox);
            mem[o1 + e] = at < 0 ? negInf : mem[o0 + at];
        }
    }

    /** Plane offset of the first maximum of a window (the last NaN if any), or -1 for an empty window. */
    private int windowArgMax(int plane, int oy, int ox) {
        int in = plane * meta[0] * meta[1];
        float best = negInf;
        int at = -1;
        for (int ky = 0; ky < meta[2]; ky++) {
            int iy = oy * meta[4] - meta[6] + ky;
            for (int kx = 0; kx < meta[3]; kx++) {
                int ix = ox * meta[5] - meta[7] + kx;
                if (iy >= 0 && iy < meta[0] && ix >= 0 && ix < meta[1]) {
                    float v = mem[o0 + in + iy * meta[1] + ix];
                    if (at < 0 || v > best || v != v) {
                        best = v;
                        at = in + iy * meta[1] + ix;
                    }
                }
            }
        }
        return at;
    }

    /** Lowest output index whose window (stride s, size k, padding p) covers input index i. */
    private int firstWindow(int i, int p, int k, int s) {
        int lo = i + p - k + 1;
        return lo <= 0 ? 0 : (lo + s - 1) / s;
    }

    /** MAX_POOL_BACKWARD: the pooling geometry in meta. */
    void maxPoolBackwardArgs(int x, int gy, int gx) {
        o0 = x;
        o1 = gy;
        o2 = gx;
    }

    /** x at o0, gy at o1, gx at o2 (overwritten): one thread per input element. */
    private void maxPoolBackwardElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int inH = meta[0];
            int inW = meta[1];
            int ix = e % inW;
            int iy = (e / inW) % inH;
            int plane = e / (inW * inH);
            int self = plane * inH * inW + iy * inW + ix;
            int oyHi = (iy + meta[6]) / meta[4];
            int oxHi = (ix + meta[7]) / meta[5];
            float sum = 0f;
            for (int oy = firstWindow(iy, meta[6], meta[2], meta[4]); oy <= oyHi && oy < meta[8]; oy++) {
                for (int ox = firstWindow(ix, meta[7], meta[3], meta[5]); ox <= oxHi && ox < meta[9]; ox++) {
                    if (windowArgMax(plane, oy, ox) == self) {
                        sum += mem[o1 + (plane * meta[8] + oy) * meta[9] + ox];
                    }
                }
            }
            mem[o2 + e] = sum;
        }
    }

    private void avgPoolElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int ow = meta[9];
            int oh = meta[8];
            int ox = e % ow;
            int oy = (e / ow) % oh;
            int plane = e / (ow * oh);
            int in = plane * meta[0] * meta[1];
            float sum = 0f;
            for (int ky = 0; ky < meta[2]; ky++) {
                int iy = oy * meta[4] - meta[6] + ky;
                for (int kx = 0; kx < meta[3]; kx++) {
                    int ix = ox * meta[5] - meta[7] + kx;
                    if (iy >= 0 && iy < meta[0] && ix >= 0 && ix < meta[1]) {
                        sum += mem[o0 + in + iy * meta[1] + ix];
                    }
                }
            }
            mem[o1 + e] = sum * f0;
        }
    }

    /** gy at o0, gx at o1 (overwritten); f0 = 1 / window size. */
    private void avgPoolBackwardElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int inH = meta[0];
            int inW = meta[1];
            int ix = e % inW;
            int iy = (e / inW) % inH;
            int plane = e / (inW * inH);
            int oyHi = (iy + meta[6]) / meta[4];
            int oxHi = (ix + meta[7]) / meta[5];
            float sum = 0f;
            for (int oy = firstWindow(iy, meta[6], meta[2], meta[4]); oy <= oyHi && oy < meta[8]; oy++) {
                for (int ox = firstWindow(ix, meta[7], meta[3], meta[5]); ox <= oxHi && ox < meta[9]; ox++) {
                    sum += mem[o0 + (plane * meta[8] + oy) * meta[9] + ox] * f0;
                }
            }
            mem[o1 + e] = sum;
        }
    }

    // ---- adaptive average pooling: i0 inH, i1 inW, i2 outH, i3 outW ----------------------------------

    /** ADAPTIVE_POOL and ADAPTIVE_POOL_BACKWARD (x is then gy, out gx). */
    void adaptivePoolArgs(int x, int out, int inH, int inW, int outH, int outW) {
        o0 = x;
        o1 = out;
        i0 = inH;
        i1 = inW;
        i2 = outH;
        i3 = outW;
    }

    private void adaptivePoolElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int ox = e % i3;
            int oy = (e / i3) % i2;
            int plane = e / (i3 * i2);
            int y0 = oy * i0 / i2;
            int y1 = ((oy + 1) * i0 + i2 - 1) / i2;
            int x0 = ox * i1 / i3;
            int x1 = ((ox + 1) * i1 + i3 - 1) / i3;
            float inv = 1f / ((y1 - y0) * (x1 - x0));
            float sum = 0f;
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    sum += mem[o0 + (plane * i0 + y) * i1 + x];
                }
            }
            mem[o1 + e] = sum * inv;
        }
    }

    private void adaptivePoolBackwardElement() {
        int e = getGlobalId(0);
        if (e < n) {
            int x = e % i1;
            int y = (e / i1) % i0;
            int plane = e / (i1 * i0);
            float sum = 0f;
            for (int oy = 0; oy < i2; oy++) {
                int y0 = oy * i0 / i2;
                int y1 = ((oy + 1) * i0 + i2 - 1) / i2;
                if (y >= y0 && y < y1) {
                    for (int ox = 0; ox < i3; ox++) {
                        int x0 = ox * i1 / i3;
                        int x1 = ((ox + 1) * i1 + i3 - 1) / i3;
                        if (x >= x0 && x < x1) {
                            float inv = 1f / ((y1 - y0) * (x1 - x0));
                            sum += mem[o0 + (plane * i2 + oy) * i3 + ox] * inv;
                        }
                    }
                }
            }
            mem[o1 + e] = sum;
        }
    }

    // ---- batch normalisation: x [i0 batch, i1 channels, i2 spatial]; one work-group per channel -----

    /**
     * BN_STATISTICS: mean and biased variance per channel of x [batch, channels, spatial]. A channel's
     * values are cut into {@code slices} slices of {@code sliceLength} (the last may be shorter), a
     * work-group each, so that few channels still fill a device. With {@code partials} negative (one slice
     * only) the work-group writes the mean and variance; else each writes its count, mean and sum of
     * squared deviations to {@code partials} (three floats per slice, channel by channel) for
     * BN_COMBINE_STATISTICS or BN_TRAINING_CHANNELS.
     */
    void bnStatisticsArgs(int x, int mean, int variance, int batch, int channels, int spatial, int slices,
                          int sliceLength, int partials) {
        o0 = x;
        o1 = mean;
        o2 = variance;
        i0 = batch;
        i1 = channels;
        i2 = spatial;
        i3 = slices;
        i4 = sliceLength;
        o3 = partials;
    }

    /** One slice of one channel: its mean, then the squared deviations from it (two passes, as the oracle). */
    private void bnStatisticsGroup() {
        int g = getGroupId(0);
        int c = g / i3;
        int lid = getLocalId(0);
        int count = i0 * i2;
        int begin = g % i3 * i4;
        int end = begin + i4 < count ? begin + i4 : count;
        float values = end - begin;
        float acc = 0f;
        for (int e = begin + lid; e < end; e += group) {
            acc += mem[o0 + ((e / i2) * i1 + c) * i2 + e % i2];
        }
        float mean = channelTreeSum(acc, 0) / values;
        float sq = 0f;
        for (int e = begin + lid; e < end; e += group) {
            float d = mem[o0 + ((e / i2) * i1 + c) * i2 + e % i2] - mean;
            sq += d * d;
        }
        float squares = channelTreeSum(sq, 0);
        if (lid == 0) {
            if (o3 < 0) {
                mem[o1 + c] = mean;
                mem[o2 + c] = squares / values;
            } else {
                mem[o3 + 3 * g] = values;
                mem[o3 + 3 * g + 1] = mean;
                mem[o3 + 3 * g + 2] = squares;
            }
        }
    }

    /** BN_COMBINE_STATISTICS: the same arguments as BN_STATISTICS; one thread per channel. */
    void bnCombineStatisticsArgs(int mean, int variance, int slices, int partials) {
        o1 = mean;
        o2 = variance;
        i3 = slices;
        o3 = partials;
    }

    /** One thread per channel: {@link #combineStatistics}. */
    private void bnCombineStatisticsChannel() {
        int c = getGlobalId(0);
        if (c < n) {
            combineStatistics(o3 + 3 * c * i3, i3, o1 + c, o2 + c);
        }
    }

    /**
     * A channel's mean and biased variance, to {@code meanAt} and {@code varianceAt}, from its slices' at
     * {@code partials}, added in order by the pairwise rule of Chan, Golub and LeVeque: with delta the
     * difference of the means, mean += delta n_b / n and squares += squares_b + delta^2 n_a n_b / n.
     */
    private void combineStatistics(int partials, int slices, int meanAt, int varianceAt) {
        float values = mem[partials];
        float mean = mem[partials + 1];
        float squares = mem[partials + 2];
        for (int s = 1; s < slices; s++) {
            float valuesB = mem[partials + 3 * s];
            float delta = mem[partials + 3 * s + 1] - mean;
            float total = values + valuesB;
            mean = mean + delta * (valuesB / total);
            squares = squares + mem[partials + 3 * s + 2] + delta * delta * (values * valuesB / total);
            values = total;
        }
        mem[meanAt] = mean;
        mem[varianceAt] = squares / values;
    }

    /** BN_SCALE_SHIFT: invStd, scale and shift per channel from mean and variance (gamma, beta: negative offset for none). */
    void bnScaleShiftArgs(int mean, int variance, int gamma, int beta, float eps, int invStd, int scale, int shift) {
        o0 = mean;
        o1 = variance;
        o2 = gamma;
        o3 = beta;
        f0 = eps;
        o4 = invStd;
        o5 = scale;
        i0 = shift;
    }

    /**
     * One thread per channel: invStd = (variance + eps)^-1/2, scale = gamma invStd, shift = beta - mean scale
     * (Backend.batchNormScaleShift's definition, with the same element-wise functions).
     */
    private void bnScaleShiftChannel() {
        int c = getGlobalId(0);
        if (c < n) {
            scaleShift(c, o0, o1, o2, o3, f0, o4, o5, i0);
        }
    }

    /** Channel c's invStd, scale and shift (gamma, beta: negative offsets for none). */
    private void scaleShift(int c, int mean, int variance, int gamma, int beta, float eps, int invStd, int scale,
                            int shift) {
        float is = unaryValue(U_POW, unaryValue(U_AFFINE, mem[variance + c], 1f, eps), -0.5f, 0f);
        float k = gamma >= 0 ? mem[gamma + c] * is : is;
        float meanScale = mem[mean + c] * k;
        mem[invStd + c] = is;
        mem[scale + c] = k;
        mem[shift + c] = beta >= 0 ? mem[beta + c] - meanScale : -meanScale;
    }

    /** BN_RUNNING_UPDATE: the running statistics, in place, from this batch's mean and variance. */
    void bnRunningUpdateArgs(int mean, int variance, int runningMean, int runningVar, float momentum,
                             float varianceFactor) {
        o0 = mean;
        o1 = variance;
        o2 = runningMean;
        o3 = runningVar;
        f0 = momentum;
        f1 = varianceFactor;
    }

    /** One thread per channel: running = (1 - momentum) running + momentum stat, the variance times its factor. */
    private void bnRunningUpdateChannel() {
        int c = getGlobalId(0);
        if (c < n) {
            runningUpdate(c, o0, o1, o2, o3, f0, f1);
        }
    }

    /** Channel c's running statistics, in place. */
    private void runningUpdate(int c, int mean, int variance, int runningMean, int runningVar, float momentum,
                               float varianceFactor) {
        mem[runningMean + c] = unaryValue(U_AFFINE, mem[runningMean + c], 1f - momentum, -0f) + momentum * mem[mean + c];
        mem[runningVar + c] = unaryValue(U_AFFINE, mem[runningVar + c], 1f - momentum, -0f)
                + momentum * varianceFactor * mem[variance + c];
    }

    /**
     * BN_TRAINING_CHANNELS (Backend.batchNormTraining after BN_STATISTICS wrote its partials): the per-channel
     * rest in one pass. Gamma, beta and the running statistics: negative offsets for none.
     */
    void bnTrainingArgs(int partials, int slices, int mean, int variance, int gamma, int beta, float eps,
                        int invStd, int scale, int shift, int runningMean, int runningVar, float momentum,
                        float varianceFactor) {
        o3 = partials;
        i3 = slices;
        o1 = mean;
        o2 = variance;
        i1 = gamma;
        i2 = beta;
        f0 = eps;
        o4 = invStd;
        o5 = scale;
        i0 = shift;
        i4 = runningMean;
        i5 = runningVar;
        f1 = momentum;
        f2 = varianceFactor;
    }

    /** One thread per channel: the slices combined, the running statistics updated, then invStd, scale, shift. */
    private void bnTrainingChannel() {
        int c = getGlobalId(0);
        if (c < n) {
            combineStatistics(o3 + 3 * c * i3, i3, o1 + c, o2 + c);
            if (i4 >= 0) {
                runningUpdate(c, o1, o2, i4, i5, f1, f2);
            }
            scaleShift(c, o1, o2, i1, i2, f0, o4, o5, i0);
        }
    }

    /**
     * BN_BACKWARD_SUMS: per channel, sum(dy) to {@code sumDy}, sum(dy xhat) to {@code sumDyXhat} (beta's and
     * gamma's gradients); with {@code reluOutput} at least 0, dy is gy where that ReLU's output is positive.
     * Slices as for BN_STATISTICS: with more than one, each work-group writes its two sums to
     * {@code partials} (two floats per slice, channel by channel) for BN_COMBINE_SUMS.
     */
    void bnBackwardSumsArgs(int x, int gy, int mean, int invStd, int sumDy, int sumDyXhat, int batch, int channels,
                            int spatial, int reluOutput, int slices, int sliceLength, int partials) {
        o0 = x;
        o1 = gy;
        o2 = mean;
        o3 = invStd;
        o4 = sumDy;
        o5 = sumDyXhat;
        i0 = batch;
        i1 = channels;
        i2 = spatial;
        i3 = reluOutput;
        i4 = slices;
        i5 = sliceLength;
        i6 = partials;
    }

    /**
     * One slice of one channel: x at o0, gy at o1, mean at o2, invStd at o3; sum(dy) and sum(dy xhat) (the
     * math: engine.ops.BatchNormalization); dy is gy, or gy masked by the ReLU output at i3 when i3 >= 0.
     */
    private void bnBackwardSumsGroup() {
        int g = getGroupId(0);
        int c = g / i4;
        int lid = getLocalId(0);
        int count = i0 * i2;
        int begin = g % i4 * i5;
        int end = begin + i5 < count ? begin + i5 : count;
        float m = mem[o2 + c];
        float is = mem[o3 + c];
        float sumDy = 0f;
        float sumDyXhat = 0f;
        for (int e = begin + lid; e < end; e += group) {
            int at = ((e / i2) * i1 + c) * i2 + e % i2;
            float dy = i3 >= 0 ? unaryGrad(U_RELU, 0f, mem[i3 + at], mem[o1 + at], 0f, 0f) : mem[o1 + at];
            sumDy += dy;
            sumDyXhat += dy * (mem[o0 + at] - m) * is;
        }
        float totalDy = channelTreeSum(sumDy, 0);
        float totalDyXhat = channelTreeSum(sumDyXhat, 0);
        if (lid == 0) {
            if (i4 == 1) {
                mem[o4 + c] = totalDy;
                mem[o5 + c] = totalDyXhat;
            } else {
                mem[i6 + 2 * g] = totalDy;
                mem[i6 + 2 * g + 1] = totalDyXhat;
            }
        }
    }

    /** BN_COMBINE_SUMS: the slices' two sums at {@code partials}, added in order into sumDy and sumDyXhat. */
    void bnCombineSumsArgs(int partials, int slices, int sumDy, int sumDyXhat) {
        i6 = partials;
        i4 = slices;
        o4 = sumDy;
        o5 = sumDyXhat;
    }

    private void bnCombineSumsChannel() {
        int c = getGlobalId(0);
        if (c < n) {
            int at = i6 + 2 * c * i4;
            float sumDy = 0f;
            float sumDyXhat = 0f;
            for (int s = 0; s < i4; s++) {
                sumDy += mem[at + 2 * s];
                sumDyXhat += mem[at + 2 * s + 1];
            }
            mem[o4 + c] = sumDy;
            mem[o5 + c] = sumDyXhat;
        }
    }

    /** BN_BACKWARD_INPUT. */
    void bnBackwardInputArgs(int x, int gy, int mean, int invStd, int sumDy, int sumDyXhat, int gx, int batch,
                             int channels, int spatial, int gamma, boolean withGamma, boolean training, int reluOutput) {
        i7 = reluOutput;
        o0 = x;
        o1 = gy;
        o2 = mean;
        o3 = invStd;
        o4 = sumDy;
        i6 = sumDyXhat;
        o5 = gx;
        i0 = batch;
        i1 = channels;
        i2 = spatial;
        i3 = withGamma ? 1 : 0;
        i4 = gamma;
        i5 = training ? 1 : 0;
    }

    /**
     * gx at o5 from x o0, gy o1, mean o2, invStd o3, sum(dy) o4, sum(dy xhat) i6, gamma at i4 (when i3 != 0);
     * i5 training; dy is gy, or gy masked by the ReLU output at i7 when i7 >= 0.
     */
    private void bnBackwardInputElement() {
        int i = getGlobalId(0);
        if (i < n) {
            int c = (i / i2) % i1;
            float count = i0 * i2;
            float is = mem[o3 + c];
            float k = (i3 != 0 ? mem[i4 + c] : 1f) * is;
            float dy = i7 >= 0 ? unaryGrad(U_RELU, 0f, mem[i7 + i], mem[o1 + i], 0f, 0f) : mem[o1 + i];
            float v = k * dy;
            if (i5 != 0) {
                float xhat = (mem[o0 + i] - mem[o2 + c]) * is;
                v = k * (dy - mem[o4 + c] / count - xhat * mem[i6 + c] / count);
            }
            mem[o5 + i] = v;
        }
    }
}
