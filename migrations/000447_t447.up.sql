CREATE TABLE t447 (id bigint PRIMARY KEY, name text NOT NULL);
