use dispatchfile_cue::{Options, evaluate};
#[test]
fn scratch_pos() {
    let src = "import \"strings\"\nimport \"list\"\n_s: \"x\" * 200000\nx: [for i in list.Range(0, 100, 1) {strings.ToUpper(_s)}]\n";
    for m in [100_000u64, 200_000, 300_000, 500_000, 700_000] {
        let mut o = Options::default(); o.max_steps = m;
        let e = evaluate(src, "x", &o).unwrap_err();
        let s = e[0].spans()[0];
        println!("{m}: {} {:?} {:?}", e[0].message(), &src[s.start as usize..s.end as usize], e[0].path());
    }
}
