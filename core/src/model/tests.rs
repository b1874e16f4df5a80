use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};

use super::scan::selective_scan;
use super::*;

fn device() -> Device {
    let device = Device::flex();
    device.seed(7);
    device
}

fn random_bytes(batch: usize, len: usize, seed: u64) -> Vec<u8> {
    crate::rng::XorShift64::new(seed).bytes(batch * len)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    super::host_values(t)
}

fn assert_close(a: &[f32], b: &[f32], tolerance: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
        .fold(0f32, f32::max);
    assert!(
        worst <= tolerance,
        "{what}: worst relative difference {worst}"
    );
}

#[test]
fn presets_have_the_documented_sizes() {
    let _rng = crate::rng_lock();
    let boa = ModelConfig::preset(Preset::Boa);
    assert_eq!(
        (boa.d_model, boa.num_layers, boa.d_inner(), boa.dt_rank()),
        (256, 1, 512, 16)
    );
    assert_eq!(ModelConfig::preset(Preset::Boa8).num_layers, 8);
    assert!("huge".parse::<Preset>().is_err());
    for preset in Preset::ALL {
        assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        ModelConfig::preset(preset).validate().expect("valid");
    }
    let model = BoaBytePredictor::new(&ModelConfig::preset(Preset::Tiny), &device());
    assert_eq!(model.num_params(), model.config().parameter_count());
    assert_eq!(model.config(), ModelConfig::preset(Preset::Tiny));
}

#[test]
fn whole_sequence_stateful_and_step_paths_agree() {
    let _rng = crate::rng_lock();
    let device = device();
    let config = ModelConfig::new(24, 2);
    let model = BoaBytePredictor::new(&config, &device);
    let (batch, len) = (3, 37);
    let bytes = random_bytes(batch, len, 3);
    let whole = values(model.forward(byte_tensor(&bytes, batch, &device)));

    // In two segments carrying the state.
    let split = 16;
    let first: Vec<u8> = bytes
        .chunks(len)
        .flat_map(|r| r[..split].to_vec())
        .collect();
    let second: Vec<u8> = bytes
        .chunks(len)
        .flat_map(|r| r[split..].to_vec())
        .collect();
    let state = ModelState::zeros(&config, batch, &device);
    let (a, state) = model.forward_from(byte_tensor(&first, batch, &device), state);
    let (b, _) = model.forward_from(byte_tensor(&second, batch, &device), state);
    let segmented = values(Tensor::cat(vec![a, b], 1));
    assert_close(&segmented, &whole, 1e-4, "segments vs whole");

    // One byte at a time.
    let mut state = ModelState::zeros(&config, batch, &device);
    let mut steps = Vec::new();
    for t in 0..len {
        let column: Vec<u8> = (0..batch).map(|r| bytes[r * len + t]).collect();
        let (logits, next) = model.step(&column, state);
        state = next;
        steps.push(logits.unsqueeze_dim::<3>(1));
    }
    let stepped = values(Tensor::cat(steps, 1));
    assert_close(&stepped, &whole, 1e-4, "steps vs whole");
}

/// The scan written as a loop of tensor operations, differentiated by autodiff.
fn reference_scan(
    u: Tensor<3>,
    delta: Tensor<3>,
    a: Tensor<2>,
    b: Tensor<3>,
    c: Tensor<3>,
    d: Tensor<1>,
) -> Tensor<3> {
    let [batch, len, channels] = u.dims();
    let n = a.dims()[1];
    let mut h = Tensor::<3>::zeros([batch, channels, n], &u.device());
    let mut ys = Vec::new();
    for t in 0..len {
        let dt = delta.clone().narrow(1, t, 1).reshape([batch, channels, 1]);
        let ut = u.clone().narrow(1, t, 1).reshape([batch, channels, 1]);
        let bt = b.clone().narrow(1, t, 1);
        let ct = c.clone().narrow(1, t, 1);
        h = (dt.clone() * a.clone().unsqueeze_dim(0)).exp() * h + dt * bt * ut;
        ys.push((h.clone() * ct).sum_dim(2).reshape([batch, 1, channels]));
    }
    Tensor::cat(ys, 1) + u * d.reshape([1, 1, channels])
}

#[test]
fn scan_gradients_match_autodiff_of_the_reference() {
    let _rng = crate::rng_lock();
    let device = Device::flex().autodiff();
    device.seed(11);
    let (batch, len, channels, n) = (2, 9, 70, 5);
    let uniform = |lo, hi| Distribution::Uniform(lo, hi);
    let make = || {
        (
            Tensor::<3>::random([batch, len, channels], uniform(-1.0, 1.0), &device),
            Tensor::<3>::random([batch, len, channels], uniform(0.01, 0.5), &device),
            Tensor::<2>::random([channels, n], uniform(-2.0, -0.1), &device),
            Tensor::<3>::random([batch, len, n], uniform(-1.0, 1.0), &device),
            Tensor::<3>::random([batch, len, n], uniform(-1.0, 1.0), &device),
            Tensor::<1>::random([channels], uniform(-1.0, 1.0), &device),
        )
    };
    let (u, delta, a, b, c, d) = make();
    let weights = Tensor::<3>::random([batch, len, channels], uniform(-1.0, 1.0), &device);
    let run = |scan: fn(_, _, _, _, _, _) -> Tensor<3>| {
        let inputs = (
            u.clone().detach().require_grad(),
            delta.clone().detach().require_grad(),
            a.clone().detach().require_grad(),
            b.clone().detach().require_grad(),
            c.clone().detach().require_grad(),
            d.clone().detach().require_grad(),
        );
        let y = scan(
            inputs.0.clone(),
            inputs.1.clone(),
            inputs.2.clone(),
            inputs.3.clone(),
            inputs.4.clone(),
            inputs.5.clone(),
        );
        let grads = (y.clone() * weights.clone()).sum().backward();
        let g = |t: Option<Tensor<3>>| values(t.expect("gradient"));
        (
            values(y),
            [
                g(inputs.0.grad(&grads)),
                g(inputs.1.grad(&grads)),
                values(inputs.2.grad(&grads).expect("gradient")),
                g(inputs.3.grad(&grads)),
                g(inputs.4.grad(&grads)),
                values(inputs.5.grad(&grads).expect("gradient")),
            ],
        )
    };
    let (y_fast, g_fast) = run(selective_scan);
    let (y_ref, g_ref) = run(reference_scan);
    assert_close(&y_fast, &y_ref, 1e-5, "y");
    for (name, (fast, reference)) in ["u", "delta", "A", "B", "C", "D"]
        .iter()
        .zip(g_fast.iter().zip(&g_ref))
    {
        assert_close(fast, reference, 1e-4, name);
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

#[test]
fn boa_checkpoint_imports_and_matches_pytorch_logits() {
    let _rng = crate::rng_lock();
    let device = Device::flex();
    let model = import::import_boa(&fixture("boa_tiny.pt"), &device).expect("import");
    assert_eq!(model.config(), ModelConfig::new(32, 2));
    let input = std::fs::read(fixture("boa_tiny_input.bin")).expect("input");
    let expected: Vec<f32> = std::fs::read(fixture("boa_tiny_logits.f32"))
        .expect("logits")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let logits = values(model.forward(byte_tensor(&input, 1, &device)));
    let worst = logits
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst <= 1e-4, "largest logit difference {worst}");
    assert_eq!(logits.len(), expected.len());
}

#[test]
fn import_rejects_what_is_not_a_boa_checkpoint() {
    let _rng = crate::rng_lock();
    let device = Device::flex();
    let error = import::import_boa(&fixture("boa_tiny_input.bin"), &device).expect_err("not a .pt");
    assert!(error.to_string().contains("PyTorch"), "{error}");
    let missing = import::import_boa(&fixture("absent.pt"), &device).expect_err("missing");
    assert!(missing.to_string().contains("absent.pt"), "{missing}");
}

#[test]
fn file_bits_per_byte_carries_state_across_segments() {
    let _rng = crate::rng_lock();
    use burn::tensor::activation::log_softmax;
    let device = device();
    let model = BoaBytePredictor::new(&ModelConfig::new(16, 1), &device);
    let bytes = random_bytes(1, 4096 + 300, 5);
    let measured = crate::train::eval::bits_per_byte(&model, &bytes, &mut |_| {});
    // The same sum from one whole-sequence forward pass.
    let logits = model.forward(byte_tensor(&bytes[..bytes.len() - 1], 1, &device));
    let targets = byte_tensor(&bytes[1..], 1, &device).unsqueeze_dim::<3>(2);
    let nats = -f64::from(
        log_softmax(logits, 2)
            .gather(2, targets)
            .sum()
            .into_scalar::<f32>(),
    );
    let expected = (8.0 + nats / std::f64::consts::LN_2) / bytes.len() as f64;
    assert!(
        (measured - expected).abs() < 1e-4,
        "{measured} vs {expected}"
    );
    assert!(
        measured > 7.0 && measured < 9.5,
        "an untrained model is near 8 bits: {measured}"
    );
}

#[test]
fn exp_approx_is_accurate() {
    let _rng = crate::rng_lock();
    // The reduction x·log2(e) rounds in f32, so the error grows with |x|: about
    // 10⁻⁷·|x| on top of the polynomial's 1.2·10⁻⁷.
    for i in -200_000..=20_000 {
        let x = i as f32 * 4e-4;
        let exact = f64::from(x).exp();
        let error = ((f64::from(scan::exp_approx(x)) - exact) / exact).abs();
        let bound = 2e-7 + 1e-7 * f64::from(x.abs());
        assert!(
            exact < 1e-36 || error < bound,
            "x = {x}: relative error {error}"
        );
    }
}

#[test]
fn the_written_out_gelu_is_burns_exact_gelu_with_the_exact_derivative() {
    let device = Device::flex().autodiff();
    let xs: Vec<f32> = (0..81).map(|i| (i as f32 - 40.0) * 0.125).collect();
    let x = Tensor::<1>::from_floats(xs.as_slice(), &device).require_grad();
    let y = block::gelu_erf(x.clone());
    let burns = values(burn::tensor::activation::gelu(x.clone()));
    assert_close(&values(y.clone()), &burns, 1e-6, "gelu");
    let slope = values(x.grad(&y.sum().backward()).expect("gradient"));
    // d/dx x·Φ(x) = Φ(x) + x·φ(x), from f64 and the GELU's own values: Φ = gelu / x.
    for ((&x, &gelu), &slope) in xs.iter().zip(&burns).zip(&slope) {
        let (x64, pdf) = (
            f64::from(x),
            (-f64::from(x * x) / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt(),
        );
        let cdf = if x == 0.0 { 0.5 } else { f64::from(gelu) / x64 };
        let exact = cdf + x64 * pdf;
        assert!(
            (f64::from(slope) - exact).abs() < 2e-6,
            "x = {x}: {slope} vs {exact}"
        );
    }
}
