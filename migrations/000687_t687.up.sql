CREATE TABLE t687 (id bigint PRIMARY KEY, name text NOT NULL);
