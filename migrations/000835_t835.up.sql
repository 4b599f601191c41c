CREATE TABLE t835 (id bigint PRIMARY KEY, name text NOT NULL);
