CREATE TABLE t106 (id bigint PRIMARY KEY, name text NOT NULL);
