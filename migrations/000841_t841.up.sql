CREATE TABLE t841 (id bigint PRIMARY KEY, name text NOT NULL);
