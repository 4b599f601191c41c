CREATE TABLE t53 (id bigint PRIMARY KEY, name text NOT NULL);
