CREATE TABLE t811 (id bigint PRIMARY KEY, name text NOT NULL);
