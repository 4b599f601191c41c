CREATE TABLE t766 (id bigint PRIMARY KEY, name text NOT NULL);
