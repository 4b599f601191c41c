CREATE TABLE t732 (id bigint PRIMARY KEY, name text NOT NULL);
