CREATE TABLE t868 (id bigint PRIMARY KEY, name text NOT NULL);
