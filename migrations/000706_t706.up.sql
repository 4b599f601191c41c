CREATE TABLE t706 (id bigint PRIMARY KEY, name text NOT NULL);
