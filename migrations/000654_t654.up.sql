CREATE TABLE t654 (id bigint PRIMARY KEY, name text NOT NULL);
