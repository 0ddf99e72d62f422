//! The line buffer in front of the appender.

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::{BUFFER_BYTES, buffered};

/// A writer whose bytes the test can read once the writer thread is done.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<u8>>>);

impl Write for Collected {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The length of a line's filler: some lines are longer than the buffer, and go around it.
fn filler(line: usize) -> usize {
    if line.is_multiple_of(500) {
        BUFFER_BYTES + 1
    } else {
        line % 97
    }
}

#[test]
fn lines_from_many_threads_arrive_whole_and_all_by_the_guard_s_drop() {
    let out = Collected::default();
    let guard = buffered(out.clone());
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let buffer = Arc::clone(&guard.buffer);
            std::thread::spawn(move || {
                for line in 0..2_000 {
                    let text = format!("{thread} {line} {}\n", "x".repeat(filler(line)));
                    (&*buffer).write_all(text.as_bytes()).expect("buffered");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("the writing thread ends");
    }
    // The subscriber keeps the buffer for the program's life: the guard must empty it.
    let held_by_the_subscriber = Arc::clone(&guard.buffer);
    drop(guard);

    let written = String::from_utf8(out.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    let mut seen = std::collections::HashSet::new();
    for text in written.lines() {
        let mut parts = text.split(' ');
        let (thread, line, xs) = (parts.next(), parts.next(), parts.next());
        let line: usize = line
            .and_then(|line| line.parse().ok())
            .expect("a line number");
        assert_eq!(
            xs.map(str::len),
            Some(filler(line)),
            "a split line: {text:.80}"
        );
        assert!(
            seen.insert((thread.map(str::to_owned), line)),
            "twice: {text:.80}"
        );
    }
    assert_eq!(seen.len(), 4 * 2_000, "every line, once");
    drop(held_by_the_subscriber);
}
