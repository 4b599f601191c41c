CREATE TABLE t634 (id bigint PRIMARY KEY, name text NOT NULL);
