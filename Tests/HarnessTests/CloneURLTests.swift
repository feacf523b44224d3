import Testing

@testable import Harness

/// The remote nodes find a repository by the last non-empty segment of its clone URL.
@Suite struct CloneURLTests {
    @Test func identifierIsTheLastNonEmptySegmentWithoutGit() {
        let cases: [(String, String)] = [
            ("https://host/npub1abc/repo.git", "repo"), ("https://host/npub1abc/repo.git/", "repo"),
            ("https://host/npub1abc/repo//", "repo"), ("repo.git", "repo"), ("", ""), ("///", ""),
            ("https://host/a/.git", ""), ("https://host/a/b.git.git", "b.git"), ("https://host/a/b.GIT", "b.GIT"),
        ]
        for (url, expected) in cases {
            #expect(identifier(ofCloneURL: url) == expected, "\(url)")
            // What splitting on slashes gives, the definition the function keeps.
            var last = Substring(url.split(separator: "/").last ?? "")
            if last.hasSuffix(".git") { last = last.dropLast(4) }
            #expect(identifier(ofCloneURL: url) == String(last), "\(url)")
        }
    }
}
