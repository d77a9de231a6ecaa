//! Which units may restart at the same time.

/// What decides whether two units' restarts may overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveUnit {
    pub unit: String,
    /// Units that require or are bound to this one: systemd restarts them along with it.
    pub dependents: Vec<String>,
}

/// Groups units (by index, keeping their order) into waves whose restarts may run at once. A
/// unit opens a new wave when one of the current wave's units depends on it or it on one of
/// them, so dependents restart after what they require, as with one restart after another.
/// Units sharing an image restart together: names are re-tagged only between restarts (see
/// `rollout`), never while a unit starts on them.
pub fn restart_waves(units: &[WaveUnit]) -> Vec<Vec<usize>> {
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        let conflicts = waves.last().is_some_and(|wave| wave.iter().any(|&j| conflict(unit, &units[j])));
        match waves.last_mut() {
            Some(wave) if !conflicts => wave.push(i),
            _ => waves.push(vec![i]),
        }
    }
    waves
}

fn conflict(a: &WaveUnit, b: &WaveUnit) -> bool {
    a.dependents.contains(&b.unit) || b.dependents.contains(&a.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, dependents: &[&str]) -> WaveUnit {
        WaveUnit { unit: name.into(), dependents: dependents.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn conflicting_units_wait_for_each_other() {
        type Case = (&'static str, Vec<WaveUnit>, Vec<Vec<usize>>);
        let cases: Vec<Case> = vec![
            ("none", vec![], vec![]),
            ("independent", vec![unit("a", &[]), unit("b", &[]), unit("c", &[])], vec![vec![0, 1, 2]]),
            ("b requires a", vec![unit("a", &["b"]), unit("b", &[])], vec![vec![0], vec![1]]),
            ("a requires b", vec![unit("a", &[]), unit("b", &["a"])], vec![vec![0], vec![1]]),
            (
                "order kept",
                vec![unit("a", &["c"]), unit("b", &[]), unit("c", &[]), unit("d", &[])],
                vec![vec![0, 1], vec![2, 3]],
            ),
        ];
        for (name, units, want) in cases {
            assert_eq!(restart_waves(&units), want, "{name}");
        }
    }
}
