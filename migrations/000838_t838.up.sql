CREATE TABLE t838 (id bigint PRIMARY KEY, name text NOT NULL);
